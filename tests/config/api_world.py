"""Rows the API fuzzing reaches (tests/config/test_api_schemathesis.py): a published campaign with a
recitation event (ready, approved entries with consents — the gallery), a quiz event with a bank, an open
judging round with assignments, and the three signed-in roles: a provincial organizer, the guardian of the
entries' children and an assigned judge."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from tests.events.conftest import QUIZ, make_bank_csv
from tests.judging.conftest import config as judging_config

ENTRY_LIBRARIES = ["C-HN-CS", "X-HN-CSX", "P-HN", "P-HE"]
JUDGE_LIBRARIES = ["P-HE", "NLC", "P-BJ"]


def insert_libraries(rows) -> dict:
    """The library tree from `library_tree_rows` (tests/conftest.py), outside the per-test fixture."""
    from campaigns.models import Library

    made: dict = {}
    for rank in range(4):
        level = [Library(parent=made.get(row["parent__code"]), **{k: v for k, v in row.items() if k != "parent__code"})
                 for row in rows if row["path"].count("/") == rank + 2]
        made.update((lib.code, lib) for lib in Library.objects.bulk_create(level))
    return made


def _user(username: str, **extra):
    from campaigns.models import User

    return User.objects.create_user(username=username, password="Shuxiang-2027", **extra)


def make_world(libraries) -> dict:
    from campaigns.models import AgeGroup, Campaign, Child, ConsentRecord, OrganizerRole, Stage
    from events import services as quiz_services
    from events.bank_import import questions_import
    from events.models import Event, Poem, QuestionBank
    from judging import services
    from judging.models import Round
    from submissions.models import Entry

    now = timezone.now()
    campaign = Campaign.objects.create(slug="tongyin-test", title="童音诵古韵", lead_library=libraries["NLC"],
                                       config=judging_config(), timezone="Asia/Shanghai")
    Stage.objects.create(campaign=campaign, kind="published", starts_at=now - timedelta(days=30))
    Stage.objects.create(campaign=campaign, kind="judging", starts_at=now - timedelta(days=1),
                         ends_at=now + timedelta(days=5))
    Stage.objects.create(campaign=campaign, kind="likes_open", starts_at=now - timedelta(days=1),
                         ends_at=now + timedelta(days=5))
    group = AgeGroup.objects.create(campaign=campaign, key="kids", label="6–12 岁", min_age=6, max_age=12)
    event = Event.objects.create(campaign=campaign, slug="tongyin", kind="recitation", title="童音诵古韵")
    bank = QuestionBank.objects.create(slug="poems", title="诗词题库", owner=libraries["NLC"])
    questions_import(bank=bank, data=make_bank_csv(), filename="bank.csv")
    quiz = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="诗词答题",
                                settings={"quiz": QUIZ})
    quiz.age_groups.add(group)
    poem = Poem.objects.create(key="jingyesi", title="静夜思", author="李白", dynasty="唐",
                               lines=["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"])
    guardian = _user("guardian-api", phone="13900000001")
    children, entries = [], []
    for n, code in enumerate(ENTRY_LIBRARIES):
        child = Child.objects.create(guardian=guardian, display_name=f"张秘密{n}", nickname=f"昵称小{n}",
                                     birth_year=now.year - 9, library=libraries[code])
        for purpose in ("judging", "gallery", "publish_name"):
            ConsentRecord.objects.create(child=child, purpose=purpose, granted=True, text_version="t")
        entry = Entry(event=event, child=child, library=libraries[code], kind="audio", status="ready",
                      moderation="approved", poem=poem, original_name=f"secret-name-{n}.m4a", duration_s=2.0,
                      waveform=[0.1, 0.5, 0.9, 0.4] * 10)
        entry.playback.save(f"p{n}.mp3", ContentFile(b"ID3" + bytes(64)), save=False)
        entry.save()
        children.append(child)
        entries.append(entry)
    attempt = quiz_services.attempt_start(event=quiz, child=children[0], user=guardian)
    judges = []
    for n, code in enumerate(JUDGE_LIBRARIES):
        user = _user(f"judge-api{n}", display_name=f"评委{n}")
        judges.append(services.judge_upsert(username=user.username, library=libraries[code]))
    services.rounds_sync(campaign=campaign)
    round_ = Round.objects.get(campaign=campaign, key="final")
    services.round_set_status(round_=round_, status="open", actor=None)
    services.round_assign(round_=round_, actor=None)
    organizer = _user("org-api", is_staff=True)
    OrganizerRole.objects.create(user=organizer, library=libraries["P-HN"])
    judge = judges[0]
    return {
        "users": {"anonymous": None, "organizer": organizer, "guardian": guardian, "judge": judge.user},
        # real values for the path and body parameters of these names, so the fuzzing reaches live rows
        "values": {
            "slug": [campaign.slug], "event_id": [event.pk, quiz.pk], "entry_id": [e.pk for e in entries],
            "assignment_id": list(judge.assignments.values_list("pk", flat=True)) or [0],
            "token": [attempt.token], "child_id": [c.pk for c in children], "child": [c.pk for c in children],
            "event": [event.pk, quiz.pk],
        },
    }
