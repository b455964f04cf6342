"""Demo data of the builder: the two example campaigns, loaded from their files (idempotent), the demo family
taking part in them, and a draft campaign for org-hn to continue in the browser (basics, schedule and
participation done; events, judging and publishing left to do; an existing draft is left alone)."""

from django.conf import settings
from django.db import transaction

from builder import services
from builder.campaign_file import campaign_file_load
from campaigns import family_demo
from campaigns.models import Campaign, Library, User

EXAMPLES = settings.BASE_DIR / "builder" / "examples"
EXAMPLE_CAMPAIGNS = ["wangluo-shuxiang-2027.yaml", "tongyin-2027.yaml"]
DRAFT_SLUG = "hn-summer-2028"
DRAFT_TITLE = "2028 湖南暑期阅读答题"


def load(stdout) -> None:
    _examples(stdout)
    _draft(stdout)


@transaction.atomic
def _examples(stdout) -> None:
    for name in EXAMPLE_CAMPAIGNS:  # idempotent: a second load changes nothing
        result = campaign_file_load(text=(EXAMPLES / name).read_text(encoding="utf-8"))
        stdout.write(f"活动 Campaign {result.campaign.slug}: {'; '.join(result.changes) or 'unchanged'}")
    family_demo.load(stdout)


def _draft(stdout) -> None:
    if Campaign.objects.filter(slug=DRAFT_SLUG).exists():
        stdout.write(f"草稿 Draft {DRAFT_SLUG}: unchanged")
        return
    organizer = User.objects.filter(username="org-hn").first()
    if organizer is None:
        return
    hunan = Library.objects.get(code="P-HN")
    campaign = services.builder_create(user=organizer, slug=DRAFT_SLUG, title=DRAFT_TITLE, lead=hunan)
    data = services.file_port.export_dict(campaign)
    data.update({
        "title_en": "Hunan Summer Reading Quiz 2028",
        "theme": "暑假读好书：湖南省各级公共图书馆联合举办的少儿阅读知识答题。",
        "age_groups": [{"key": "kids", "label": "少儿组（6–12 岁）", "min_age": 6, "max_age": 12},
                       {"key": "teens", "label": "青少年组（13–17 岁）", "min_age": 13, "max_age": 17}],
        "stages": [*data["stages"],
                   {"kind": "published", "starts": "2028-06-20 09:00", "ends": "2028-09-01 00:00"},
                   {"kind": "archived", "starts": "2028-09-01 00:00"}],
    })
    services.builder_save(user=organizer, data=data, campaign=campaign, step="schedule")
    stdout.write(f"草稿 Draft {DRAFT_SLUG}: created for org-hn (/builder/c/{DRAFT_SLUG}/events/)")
