"""Reading demo (阅读打卡) in 网络书香过大年: the demo family's streak, points and badges, an exhibition
check-in at 长沙图书馆 open now (org-hn-cs), and a flagged log waiting for the library's review.

Everything goes through the services (the ledger, caps, bonuses and badges are the real ones), with
`at=` moments in the past that lie inside the campaign's entries stage. Idempotent."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

CAMPAIGN = "wangluo-shuxiang-2027"
EVENT = "hanjia-dushu"
BOOKS = ["西游记", "草房子", "小王子", "城南旧事", "稻草人", "寄小读者", "安徒生童话"]


def _photo(name: str) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), (238, 226, 200))
    ImageDraw.Draw(image).rectangle((140, 60, 340, 300), outline=(120, 70, 40), width=8)
    buf = io.BytesIO()
    image.save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _days(campaign, count: int) -> list:
    """`count` consecutive days ending yesterday (or the stage's last day), all inside the entries stage."""
    from reading.services import local_now

    stage = campaign.stages.filter(kind="entries_open").order_by("starts_at").first()
    if stage is None:
        return []
    today = local_now(campaign).date()
    first_ok = local_now(campaign, stage.starts_at).date() + timedelta(days=1)
    last = today - timedelta(days=1)
    if stage.ends_at:
        last = min(last, local_now(campaign, stage.ends_at).date() - timedelta(days=1))
    days = [last - timedelta(days=k) for k in reversed(range(count))]
    return [d for d in days if d >= first_ok]


def _evening(campaign, day, hour=19):
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour), ZoneInfo(campaign.timezone or "Asia/Shanghai"))


def load(stdout) -> None:
    from campaigns.models import Campaign, Child, Library, User
    from events.models import Event
    from reading import services
    from reading.models import CheckinSession, ReadingLog

    campaign = Campaign.objects.filter(slug=CAMPAIGN).first()
    event = Event.objects.filter(campaign=campaign, slug=EVENT, kind="reading").first() if campaign else None
    guardian = User.objects.filter(username="13800000001").first()
    if event is None or guardian is None:
        stdout.write("阅读 Reading: campaign or demo family not loaded, nothing added")
        return
    children = {c.nickname: c for c in Child.objects.filter(guardian=guardian)}
    made = 0
    for nickname, count in (("小明", 7), ("小红", 3)):
        child = children.get(nickname)
        if child is None:
            continue
        for n, day in enumerate(_days(campaign, count)):
            if ReadingLog.objects.filter(event=event, child=child, day=day).exists():
                continue
            services.reading_log_add(event=event, child=child, actor=guardian, minutes=30 + 5 * (n % 4),
                                     title=BOOKS[n % len(BOOKS)], day=day, at=_evening(campaign, day),
                                     note="和妈妈一起读" if n == 0 else "")
            made += 1
    # The same photo on two days: the second log waits for 星沙 library's review (photo_reused).
    xh = children.get("小红")
    days = _days(campaign, 6)
    flagged = ReadingLog.objects.filter(event=event, status=ReadingLog.Status.FLAGGED, child=xh).first()
    if xh is not None and len(days) >= 6 and flagged is None:
        for day in days[:2]:
            if not ReadingLog.objects.filter(event=event, child=xh, day=day, photo_sha256__gt="").exists():
                services.reading_log_add(event=event, child=xh, actor=guardian, minutes=130, title="寄小读者",
                                         day=day, at=_evening(campaign, day, 20), photo=_photo("reading.jpg"))
        flagged = ReadingLog.objects.filter(event=event, status=ReadingLog.Status.FLAGGED, child=xh).first()
    # An exhibition at 长沙图书馆 with a rotating check-in code, open now.
    library = Library.objects.filter(code="C-HN-CS").first()
    organizer = User.objects.filter(username="org-hn-cs").first()
    now = timezone.now()
    session = CheckinSession.objects.filter(campaign=campaign, library=library, title="新春书展").first()
    if session is None and library and organizer:
        session = services.checkin_session_create(
            campaign=campaign, library=library, actor=organizer, title="新春书展", place="长沙图书馆一楼展厅",
            starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=60), period_seconds=120)
    elif session is not None and not session.starts_at <= now <= session.ends_at:
        CheckinSession.objects.filter(pk=session.pk).update(starts_at=now - timedelta(hours=1),
                                                           ends_at=now + timedelta(days=60))
    stdout.write(f"阅读 Reading: {made} new logs (小明 a 7-day streak, 小红 3 days) — /reading/e/{event.id}/ "
                 f"as 13800000001; flagged log for review: {'yes' if flagged else 'no'} — "
                 f"/reading/c/{campaign.slug}/manage/ as org-hn-csx; exhibition check-in "
                 f"/reading/checkin/{session.id if session else '?'}/screen/ as org-hn-cs")
