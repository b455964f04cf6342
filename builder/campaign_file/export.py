"""A campaign back to its file: the typed model rebuilt from the database, dumped in the file form."""

from zoneinfo import ZoneInfo

from builder.campaign_file.models import CONFIG_VIEWS, EVENT_VIEWS, CampaignFile
from builder.campaign_file.yaml_io import dump
from campaigns.models import Campaign
from campaigns.sections import STAGE_KINDS, campaign_participation, campaign_zone
from campaigns.typed import dump_file, dump_stored, typed_view
from events.models import Event


def campaign_file_model(campaign: Campaign) -> CampaignFile:
    """The campaign as a CampaignFile (what loading its export would give): its rows, and each app's typed
    settings read back through the app's own view."""
    stages = sorted(campaign.stages.all(), key=lambda s: STAGE_KINDS.index(s.kind))
    basics = {"title_en": campaign.title_en, "theme": campaign.theme, "rules": campaign.rules}
    data = {
        "slug": campaign.slug,
        "title": campaign.title,
        **{key: value for key, value in basics.items() if value},
        "lead_library": campaign.lead_library.code,
        "timezone": campaign.timezone,
        "stages": [{"kind": s.kind, "starts": s.starts_at, **({"ends": s.ends_at} if s.ends_at else {})}
                   for s in stages],
        "libraries": dump_stored(campaign_participation(campaign)),
        "age_groups": [{"key": g.key, "label": g.label, "min_age": g.min_age, "max_age": g.max_age}
                       for g in campaign.age_groups.order_by("min_age", "key")],
        "events": [
            {"slug": e.slug, "kind": e.kind, "title": e.title, **({"description": e.description} if e.description else {}),
             "age_groups": [g.key for g in e.age_groups.order_by("min_age", "key")], **_event_settings(e)}
            for e in Event.objects.filter(campaign=campaign).select_related("campaign").order_by("position", "id")
        ],
    }
    for view in CONFIG_VIEWS:  # retention_days; judging, likes, scoring, awards; wechat, pushes
        data.update(dump_stored(typed_view(campaign, "config", view, tz=campaign_zone(campaign))))
    # Stored settings were checked when they were loaded: read them, do not judge them again.
    return CampaignFile.model_validate(data, context={"stored": True, "tz": ZoneInfo(campaign.timezone)})


def _event_settings(event: Event) -> dict:
    """The event's sections, each read through its app's view of Event.settings."""
    data = {}
    for view in EVENT_VIEWS:
        data.update(dump_stored(typed_view(event, "settings", view, tz=campaign_zone(event.campaign))))
    return data


def campaign_file_dict(campaign: Campaign) -> dict:
    """The campaign in the file form (date-times in its zone, empty optional values left out)."""
    return dump_file(campaign_file_model(campaign), ZoneInfo(campaign.timezone))


def campaign_export(*, slug: str) -> str:
    campaign = Campaign.objects.select_related("lead_library").get(slug=slug)
    header = (f"# {campaign.title} — 书香 Shuxiang campaign file (manage.py exportcampaign {slug}).\n"
              "# Every field is described in docs/campaign-file.md; load it with manage.py loadcampaign FILE.\n")
    return dump(campaign_file_dict(campaign), header=header)
