"""Demo data of the family pages: the demo guardian's children take part in both example campaigns
(counted for their own libraries) and have a welcome notice. Idempotent."""

from campaigns.models import Campaign, Child, Notice, User
from campaigns.services import registration_create
from config.errors import UserFacingError

DEMO_GUARDIAN = "13800000001"
DEMO_CAMPAIGNS = ["tongyin-2027", "wangluo-shuxiang-2027"]


def load(stdout) -> None:
    guardian = User.objects.filter(username=DEMO_GUARDIAN).first()
    if guardian is None:
        return
    registered = 0
    for campaign in Campaign.objects.filter(slug__in=DEMO_CAMPAIGNS):
        for child in Child.objects.filter(guardian=guardian).select_related("library"):
            try:
                registration_create(campaign=campaign, child=child, library=child.library, actor=guardian)
                registered += 1
            except UserFacingError as error:  # e.g. a library outside the campaign: say so, go on
                stdout.write(f"  {child.nickname} @ {campaign.slug}: {error}")
    Notice.objects.get_or_create(
        user=guardian, kind="welcome",
        defaults={"title": "欢迎参加“童音诵古韵·经典有新声” Welcome to Young Voices, Classic Poems",
                  "body": "选一首诗，听一听示范朗读，然后录下孩子的声音。", "url": "/c/tongyin-2027/"},
    )
    stdout.write(f"家庭 Family demo: {registered} registrations for {DEMO_GUARDIAN}")
