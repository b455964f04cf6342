"""Helpers for the family, page and scoping tests: a small campaign built directly on the models
(independent of the campaign-file loader)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from campaigns.models import AgeGroup, Campaign, CampaignLibrary, Stage, new_join_code

TZ = ZoneInfo("Asia/Shanghai")


def make_campaign(libraries, *, slug="tongyin-test", codes=None, age_groups=((6, 12),), year=None,
                  lead="NLC", title="童音诵古韵·测试") -> Campaign:
    """A campaign whose entries stage is open now, in `year` (default this year)."""
    now = timezone.now()
    year = year or now.astimezone(TZ).year
    campaign = Campaign.objects.create(slug=slug, title=title, title_en="Children's recitation (test)",
                                       theme="童声诵读经典诗词", rules="每个孩子提交一件作品。",
                                       lead_library=libraries[lead])
    # Entries open since earlier this year (never last year: ages are counted in the year entries open).
    start = max(datetime(year, 1, 1, tzinfo=TZ), min(now - timedelta(days=1), datetime(year, 6, 1, tzinfo=TZ))) \
        if now.astimezone(TZ).year == year else datetime(year, 6, 1, tzinfo=TZ)
    Stage.objects.create(campaign=campaign, kind="published", starts_at=start - timedelta(days=10), ends_at=start)
    Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=start,
                         ends_at=max(now + timedelta(days=30), start + timedelta(days=1)))
    Stage.objects.create(campaign=campaign, kind="results", starts_at=now + timedelta(days=60))
    for i, (lo, hi) in enumerate(age_groups):
        AgeGroup.objects.create(campaign=campaign, key=f"g{i}", label=f"{lo}–{hi}岁", min_age=lo, max_age=hi)
    CampaignLibrary.objects.bulk_create([
        CampaignLibrary(campaign=campaign, library=libraries[code], join_code=new_join_code())
        for code in (codes if codes is not None else libraries)
    ])
    return campaign


def this_year() -> int:
    return timezone.now().astimezone(TZ).year
