"""Demo judging: judge1 and four more judges on a panel of the 童音诵古韵 campaign, its first round
opened now (the campaign file dates it in 2027), demo recitations from children of several libraries
(processed by the real pipeline from submissions/demo_media/recitation_demo.mp3) and their
assignments. And a comparative round: 网络书香过大年's essay preliminary (method: comparative in its
campaign file) opened now, with demo essays and a first batch of comparisons already made by judge3–5,
so judge1 can go on comparing with the keyboard and judge2 (chief) sees SSR and misfit. Idempotent."""

import hashlib
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, Library
from config.demo_accounts import DEMO_PASSWORD

CAMPAIGN = "tongyin-2027"
# username, display name, library, chief?
JUDGES = [
    ("judge1", "评委 李老师", "P-HE", False),
    ("judge2", "总评委 周老师", "P-BJ", True),
    ("judge3", "评委 陈老师", "P-TJ", False),
    ("judge4", "评委 赵老师", "P-SH", False),
    ("judge5", "评委 刘老师", "C-HN-CS", False),
]


DEMO_AUDIO = Path(__file__).resolve().parent.parent / "submissions" / "demo_media" / "recitation_demo.mp3"
# nickname, library: children of a demo family of readers across the federation
CHILDREN = [("小诗", "C-HN-CS"), ("小韵", "X-HN-CSX"), ("小雅", "P-GD"), ("小颂", "P-HE"), ("小风", "P-ZJ"),
            ("小月", "P-SC")]


def _demo_child(family, nickname: str, code: str, *, age: int):
    """A child of the demo readers' family at library `code`, with every consent given (made once)."""
    from campaigns.models import Child, ConsentRecord

    library = Library.objects.filter(code=code).first()
    if library is None:
        return None
    child, fresh = Child.objects.get_or_create(guardian=family, nickname=nickname, defaults={
        "display_name": f"演示{nickname}", "birth_year": timezone.now().year - age, "library": library})
    if fresh:
        for purpose in ConsentRecord.Purpose.values:
            ConsentRecord.objects.create(child=child, purpose=purpose, granted=True, text_version="demo",
                                         recorded_by=family)
    return child


def _demo_entries(campaign) -> int:
    """Recitations for the campaign's recitation event, made once, through the real media pipeline."""
    from campaigns.models import User
    from events.models import Event
    from submissions.models import Entry
    from submissions.services import entry_process

    event = Event.objects.filter(campaign=campaign, kind="recitation").order_by("position").first()
    if event is None or not DEMO_AUDIO.exists():
        return 0
    family, created = User.objects.get_or_create(username="demo-readers", defaults={"display_name": "演示读者家庭"})
    if created:
        family.set_unusable_password()
        family.save()
    data = DEMO_AUDIO.read_bytes()
    poem = event.poems.order_by("pk").first()
    made = 0
    for n, (nickname, code) in enumerate(CHILDREN):
        child = _demo_child(family, nickname, code, age=8 + n % 4)
        if child is None:
            continue
        if Entry.objects.filter(event=event, child=child).exists():
            continue
        entry = Entry(event=event, child=child, library=child.library, submitted_by=family, kind="audio",
                      channel=Entry.Channel.UPLOAD, poem=poem, idempotency_key=f"demo-judging-{n}",
                      original_name="recitation.mp3", original_sha256=hashlib.sha256(data).hexdigest(),
                      original_size=len(data))
        from django.core.files.base import ContentFile

        entry.original.save("recitation.mp3", ContentFile(data), save=False)
        entry.save()
        entry_process(entry.pk)
        Entry.objects.filter(pk=entry.pk, status=Entry.Status.READY).update(moderation=Entry.Moderation.APPROVED)
        made += 1
    return made


ESSAY_CAMPAIGN = "wangluo-shuxiang-2027"
ESSAY_ROUND = "essay-provincial"
ESSAY_LINES = [
    "过年的时候，爷爷送给我一本《西游记》。", "我最喜欢孙悟空，他不怕困难，遇到妖怪就想办法。",
    "晚上我们一家人围在灯下读书，妈妈读给弟弟听。", "读完以后我知道了，做事要坚持到底。",
    "图书馆的阿姨推荐我读《小王子》，我读了三遍。", "小王子说，真正重要的东西用眼睛是看不见的。",
    "除夕夜我读了《草房子》，桑桑的故事让我又哭又笑。", "我想把这本书推荐给班上的每一个同学。",
]
# nickname, library, how many lines of the essay (longer essays are written to read a little better)
ESSAYISTS = [("文文", "C-HN-CS", 8), ("书书", "X-HN-CSX", 3), ("墨墨", "P-GD", 6), ("笔笔", "P-HE", 2),
             ("纸纸", "P-ZJ", 7), ("砚砚", "P-SC", 4), ("卷卷", "P-BJ", 5), ("页页", "P-TJ", 1)]


def _demo_comparative(stdout, judges, chief) -> None:
    from django.core.files.base import ContentFile

    from campaigns.models import User
    from judging import services
    from judging.models import Comparison, Panel, Round
    from submissions.models import Entry
    from submissions.services import entry_process, entry_submit

    essay_campaign = Campaign.objects.filter(slug=ESSAY_CAMPAIGN).first()
    if essay_campaign is None:
        return
    if not Round.objects.filter(campaign=essay_campaign).exists():
        services.rounds_sync(campaign=essay_campaign)
    round_ = Round.objects.filter(campaign=essay_campaign, key=ESSAY_ROUND, method=Round.Method.COMPARATIVE).first()
    if round_ is None:
        return
    family = User.objects.get(username="demo-readers")
    for n, (nickname, code, lines) in enumerate(ESSAYISTS):
        child = _demo_child(family, nickname, code, age=10 + n % 3)
        if child is None:
            continue
        if Entry.objects.filter(event=round_.event, child=child).exists():
            continue
        text = "\n".join(ESSAY_LINES[(n + k) % len(ESSAY_LINES)] for k in range(lines))
        entry = entry_submit(event=round_.event, child=child, uploaded_file=ContentFile(text.encode(), name="essay.txt"),
                             channel=Entry.Channel.UPLOAD, idempotency_key=f"demo-essay-{n}", submitted_by=family)
        entry_process(entry.pk)
    with transaction.atomic():
        panel, _ = Panel.objects.get_or_create(campaign=round_.campaign, name="征文评审组 Essay panel")
        panel.judges.add(*judges)
        if panel.chief_id != chief.id:
            panel.chief = chief
            panel.save(update_fields=["chief"])
        if round_.status != Round.Status.OPEN:
            now = timezone.now()
            # The file dates judging in 2027; the demo opens the round now so it can be tried.
            Round.objects.filter(pk=round_.pk).update(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=90),
                                                      panel=panel, status=Round.Status.OPEN)
            round_.refresh_from_db()
    if Comparison.objects.filter(round=round_).exists():
        return
    # judge3–judge5 make a first batch: they prefer the longer essay (a stand-in for "better").
    made = 0
    for judge in judges[2:]:
        for _ in range(6):
            comparison = services.comparison_next(round_=round_, judge=judge)
            if comparison is None:
                break
            a, b = comparison.entry_a, comparison.entry_b
            winner = "a" if len(a.text or "") > len(b.text or "") else "b" if len(b.text or "") > len(a.text or "") else "tie"
            services.comparison_decide(comparison=comparison, actor=judge.user, winner=winner)
            made += 1
    stdout.write(f"评审 Judging: comparative round “{round_.title}” open with {made} comparisons made — "
                 f"judge1: /judging/rounds/{round_.id}/compare/, chief judge2: /judging/rounds/{round_.id}/progress/")


def load(stdout) -> None:
    from judging import services
    from judging.models import Panel, Round

    campaign = Campaign.objects.filter(slug=CAMPAIGN).first()
    with transaction.atomic():
        judges = []
        for username, name, code, _chief in JUDGES:
            library = Library.objects.filter(code=code).first() or Library.objects.get(code="NLC")
            judges.append(services.judge_upsert(username=username, library=library, display_name=name,
                                                password=DEMO_PASSWORD))
        if campaign is None:
            stdout.write(f"评审 Judging: {len(judges)} judges; campaign {CAMPAIGN} not loaded, no round")
            return
        panel, _ = Panel.objects.get_or_create(campaign=campaign, name="诵读评审组 Recitation panel")
        panel.judges.add(*judges)
        chief = next(j for j, spec in zip(judges, JUDGES, strict=True) if spec[3])
        if panel.chief_id != chief.id:
            panel.chief = chief
            panel.save(update_fields=["chief"])
        first = Round.objects.filter(campaign=campaign).order_by("position").first()
        if first is None:
            try:
                services.rounds_sync(campaign=campaign)
            except Exception as exc:  # the campaign file's rounds are the loader's job; report, don't crash
                stdout.write(f"评审 Judging: rounds not created ({exc})")
                return
            first = Round.objects.filter(campaign=campaign).order_by("position").first()
            if first is None:
                stdout.write("评审 Judging: the campaign file declares no rounds")
                return
            now = timezone.now()
            # The file dates judging in 2027; the demo opens the first round now so it can be tried.
            Round.objects.filter(pk=first.pk).update(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=90),
                                                     panel=panel, status=Round.Status.OPEN)
            first.refresh_from_db()
    _demo_entries(campaign)
    _demo_comparative(stdout, judges, chief)
    made = []
    try:
        made = services.round_assign(round_=first, actor=None)
    except Exception as exc:  # e.g. no ready entries yet
        stdout.write(f"评审 Judging: no assignment ({exc})")
    stdout.write(f"评审 Judging: {len(judges)} judges (judge1…judge5, chief judge2), round “{first.title}” open, "
                 f"{first.assignments.count()} assignments ({len(made)} new) — /judging/")
