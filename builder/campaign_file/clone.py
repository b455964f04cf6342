"""Copy a campaign's definition into a new draft campaign (the way to change one that has entries)."""

from zoneinfo import ZoneInfo

from django.utils import timezone

from builder.campaign_file.apply import LoadResult, campaign_file_load
from builder.campaign_file.export import campaign_file_dict
from builder.campaign_file.yaml_io import dump
from campaigns.audit import audit_record
from campaigns.models import Campaign
from campaigns.typed import format_datetime
from config.errors import UserFacingError

COPY_SUFFIX = "（副本）"


def campaign_clone(*, slug: str, new_slug: str, title: str | None = None) -> LoadResult:
    """The copy has everything but the source's schedule: a single open-ended draft stage starting now,
    so nothing of it is public until its stages are set (export it, edit, load it back). New join codes."""
    source = Campaign.objects.select_related("lead_library").get(slug=slug)
    if Campaign.objects.filter(slug=new_slug).exists():
        raise UserFacingError("campaign_exists", f"活动代码 {new_slug} 已被使用，请换一个",
                              f"a campaign with slug {new_slug} already exists; choose another")
    data = campaign_file_dict(source)
    data["slug"] = new_slug
    data["title"] = title or (source.title[: 120 - len(COPY_SUFFIX)] + COPY_SUFFIX)
    data["stages"] = [{"kind": "draft", "starts": format_datetime(timezone.now(), ZoneInfo(source.timezone))}]
    result = campaign_file_load(text=dump(data))
    audit_record(action="campaign.cloned", obj=result.campaign, campaign=result.campaign, source=source.slug)
    return result
