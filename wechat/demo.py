"""Demo data of the WeChat adapter: a few followers (the demo guardian's WeChat is linked and is a
preview tester), message templates for the fake API, and the campaign files' pushes.

Idempotent. Try it with `make run`, then in another terminal:
    .venv/bin/python manage.py wechat_simulate text 报名
    .venv/bin/python manage.py wechat_simulate voice
    .venv/bin/python manage.py wechat_simulate subscribe lib-P-HN --openid oNewFollower01"""

from django.db import transaction

from campaigns.models import Campaign, Library, User
from wechat.models import Follower, MessageTemplate
from wechat.sections import wechat_options
from wechat.services.pushes import ensure_push_schedule, pushes_sync_from_campaign

DEMO_OPENID = "oDemoGuardian0000000000000001"  # the fake API's OAuth page logs in as this openid
FOLLOWERS = [
    (DEMO_OPENID, "王女士", "C-HN-CS", "13800000001", True),
    ("oDemoFollowerHunan00000000002", "湘江读者", "P-HN", None, False),
    ("oDemoFollowerCounty0000000003", "星沙书友", "X-HN-CSX", None, False),
]
TEMPLATES = [
    ("entry_received", "DEMO_TPL_RECEIVED"),
    ("entry_accepted", "DEMO_TPL_ACCEPTED"),
    ("entry_rejected", "DEMO_TPL_REJECTED"),
    ("entry_advanced", "DEMO_TPL_ADVANCED"),
    ("entry_won", "DEMO_TPL_WON"),
]


@transaction.atomic
def load(stdout) -> None:
    for openid, nickname, code, phone, tester in FOLLOWERS:
        follower, _ = Follower.objects.get_or_create(openid=openid, defaults={
            "nickname": nickname, "subscribed": True, "library": Library.objects.filter(code=code).first(),
            "user": User.objects.filter(phone=phone).first() if phone else None, "is_tester": tester,
        })
    for kind, template_id in TEMPLATES:
        MessageTemplate.objects.get_or_create(kind=kind, defaults={
            "template_id": template_id, "fields": {"thing1": "title", "thing2": "body", "time3": "date"}})
    total = {"created": 0, "updated": 0, "unchanged": 0, "kept_sent": 0}
    for campaign in Campaign.objects.all():
        if wechat_options(campaign).pushes:
            for key, value in pushes_sync_from_campaign(campaign).items():
                total[key] += value
    ensure_push_schedule()
    stdout.write(f"微信 WeChat: followers {Follower.objects.count()}; pushes from campaign files: "
                 f"created {total['created']}, unchanged {total['unchanged']}, already sent {total['kept_sent']}")
