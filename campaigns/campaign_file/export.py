"""A campaign back to its file: the stored form rebuilt from the database, dumped through the schema."""

from zoneinfo import ZoneInfo

from django.apps import apps

from campaigns.campaign_file.schema import CAMPAIGN, CONFIG_SECTIONS, STAGE_KINDS
from campaigns.campaign_file.yaml_io import dump
from campaigns.models import Campaign


def campaign_stored_form(campaign: Campaign) -> dict:
    """The campaign as the validator's output would describe it (date-times in ISO 8601)."""
    Event = apps.get_model("events", "Event")
    stages = sorted(campaign.stages.all(), key=lambda s: STAGE_KINDS.index(s.kind))
    data = {
        "slug": campaign.slug,
        "title": campaign.title,
        "title_en": campaign.title_en,
        "theme": campaign.theme,
        "rules": campaign.rules,
        "lead_library": campaign.lead_library.code,
        "timezone": campaign.timezone,
        "stages": [{"kind": s.kind, "starts": s.starts_at.isoformat(),
                    **({"ends": s.ends_at.isoformat()} if s.ends_at else {})} for s in stages],
        "libraries": campaign.participation,
        "age_groups": [{"key": g.key, "label": g.label, "min_age": g.min_age, "max_age": g.max_age}
                       for g in campaign.age_groups.order_by("min_age", "key")],
        "events": [
            {"slug": e.slug, "kind": e.kind, "title": e.title, "description": e.description,
             "age_groups": [g.key for g in e.age_groups.order_by("min_age", "key")], **e.settings}
            for e in Event.objects.filter(campaign=campaign).order_by("position", "id")
        ],
    }
    data.update({key: campaign.config[key] for key in CONFIG_SECTIONS if key in campaign.config})
    return data


def campaign_file_dict(campaign: Campaign) -> dict:
    return CAMPAIGN.dump(campaign_stored_form(campaign), ZoneInfo(campaign.timezone))


def campaign_export(*, slug: str) -> str:
    campaign = Campaign.objects.select_related("lead_library").get(slug=slug)
    header = (f"# {campaign.title} — 书香 Shuxiang campaign file (manage.py exportcampaign {slug}).\n"
              "# Every field is described in docs/campaign-file.md; load it with manage.py loadcampaign FILE.\n")
    return dump(campaign_file_dict(campaign), header=header)
