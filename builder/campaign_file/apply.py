"""Write a validated campaign file to the database: create or update, idempotently.

Rows are matched by their natural keys (campaign slug, stage kind, age-group key, event slug, library),
so ids and join codes stay the same across reloads, and a row is saved only when something changed."""

from dataclasses import dataclass, field

from django.db import transaction

from builder.campaign_file.catalog import Catalog
from builder.campaign_file.models import CONFIG_SECTIONS, EVENT_SETTINGS, CampaignFile
from builder.campaign_file.poems import poems_import
from builder.campaign_file.structure import check_edit_allowed
from builder.campaign_file.validate import ValidFile, campaign_file_validate
from builder.campaign_file.yaml_io import LineMap
from campaigns.audit import audit_record
from campaigns.models import AgeGroup, Campaign, CampaignLibrary, Library, Stage
from campaigns.page_cache import pages_changed
from campaigns.sections import AgeGroupSpec, StageSpec
from campaigns.typed import dump_stored
from events.models import Event, Poem
from events.sections import EventSpec


@dataclass
class LoadResult:
    campaign: Campaign
    created: bool
    changes: list[str] = field(default_factory=list)


def campaign_file_load(*, text: str) -> LoadResult:
    """Validate the whole file (raising CampaignFileError with every problem), then write it in one transaction."""
    catalog = Catalog.from_database()
    return campaign_file_apply(campaign_file_validate(text=text, catalog=catalog), catalog=catalog)


def campaign_file_apply(valid: ValidFile | CampaignFile, *, catalog: Catalog | None = None) -> LoadResult:
    """Create or update the campaign a validated file describes, in one transaction. Once the campaign has
    entries, a structural change is refused (CampaignFileError suggesting a clone) and nothing is written."""
    if isinstance(valid, CampaignFile):
        from zoneinfo import ZoneInfo

        valid = ValidFile(model=valid, lines=LineMap(), tz=ZoneInfo(valid.timezone))
    catalog = catalog or Catalog.from_database()
    with transaction.atomic():
        existing = Campaign.objects.select_for_update().filter(slug=valid.model.slug).first()
        if existing is not None:
            check_edit_allowed(existing, valid, catalog)
        result = _write(valid.model, existing, catalog)
        if result.changes:
            audit_record(action="campaign.file_loaded", obj=result.campaign, campaign=result.campaign,
                         created=result.created, changes=result.changes)
        return result


def _write(model: CampaignFile, campaign: Campaign | None, catalog: Catalog) -> LoadResult:
    changes = []
    if poems_import():
        changes.append("poems")
    stored = dump_stored(model)
    fields = {
        "title": model.title, "title_en": model.title_en, "theme": model.theme, "rules": model.rules,
        "lead_library": Library.objects.get(code=model.lead_library), "timezone": model.timezone,
        "participation": stored["libraries"],
        "config": {key: stored[key] for key in CONFIG_SECTIONS if key in stored},
    }
    created = campaign is None
    if created:
        campaign = Campaign(slug=model.slug, **fields)
        _save(campaign)
        changes.append("campaign")
    elif _assign(campaign, fields):
        _save(campaign)
        changes.append("campaign")
    changes += _sync_stages(campaign, model.stages)
    changes += _sync_age_groups(campaign, model.age_groups)
    changes += _sync_branches(campaign, catalog.participants(model.libraries))
    changes += _sync_events(campaign, model.events)
    return LoadResult(campaign=campaign, created=created, changes=changes)


def _assign(obj, fields: dict) -> bool:
    changed = False
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _save(obj) -> None:
    obj.full_clean()
    obj.save()


def _sync_stages(campaign: Campaign, stages: list[StageSpec]) -> list[str]:
    current = {stage.kind: stage for stage in campaign.stages.all()}
    changes = [f"stage {kind} removed" for kind in sorted(set(current) - {s.kind for s in stages})]
    campaign.stages.exclude(kind__in=[s.kind for s in stages]).delete()
    for item in stages:
        stage = current.get(item.kind) or Stage(campaign=campaign, kind=item.kind)
        if _assign(stage, {"starts_at": item.starts, "ends_at": item.ends}) or stage.pk is None:
            _save(stage)
            changes.append(f"stage {item.kind}")
    return changes


def _sync_age_groups(campaign: Campaign, groups: list[AgeGroupSpec]) -> list[str]:
    current = {group.key: group for group in campaign.age_groups.all()}
    keys = [g.key for g in groups]
    changes = [f"age group {key} removed" for key in sorted(set(current) - set(keys))]
    campaign.age_groups.exclude(key__in=keys).delete()
    for item in groups:
        group = current.get(item.key) or AgeGroup(campaign=campaign, key=item.key)
        if _assign(group, {"label": item.label, "min_age": item.min_age, "max_age": item.max_age}) or group.pk is None:
            _save(group)
            changes.append(f"age group {item.key}")
    return changes


def _sync_branches(campaign: Campaign, codes: set[str]) -> list[str]:
    current = dict(campaign.branches.values_list("library__code", "pk"))
    leaving = [pk for code, pk in current.items() if code not in codes]
    joining = Library.objects.filter(code__in=codes - set(current))
    CampaignLibrary.objects.filter(pk__in=leaving).delete()
    CampaignLibrary.objects.bulk_create([CampaignLibrary(campaign=campaign, library=lib) for lib in joining])
    if joining:
        pages_changed()  # bulk_create sends no post_save (campaigns/page_cache.py)
    changes = []
    if leaving:
        changes.append(f"libraries -{len(leaving)}")
    if joining:
        changes.append(f"libraries +{len(joining)}")
    return changes


def _sync_events(campaign: Campaign, events: list[EventSpec]) -> list[str]:
    current = {event.slug: event for event in Event.objects.filter(campaign=campaign)}
    slugs = [e.slug for e in events]
    changes = [f"event {slug} removed" for slug in sorted(set(current) - set(slugs))]
    Event.objects.filter(campaign=campaign).exclude(slug__in=slugs).delete()
    groups = {group.key: group for group in campaign.age_groups.all()}
    for position, item in enumerate(events):
        stored = dump_stored(item)
        settings = {key: stored[key] for key in EVENT_SETTINGS if key in stored}
        fields = {"kind": item.kind, "title": item.title, "description": item.description,
                  "position": position, "settings": settings}
        event = current.get(item.slug) or Event(campaign=campaign, slug=item.slug)
        changed = _assign(event, fields) or event.pk is None
        if changed:
            _save(event)
        wanted_groups = {groups[key].pk for key in item.age_groups}
        if set(event.age_groups.values_list("pk", flat=True)) != wanted_groups:
            event.age_groups.set(wanted_groups)
            changed = True
        poems = item.entries.poems if item.entries else None
        wanted_poems = set(Poem.objects.values_list("pk", flat=True) if poems == "all"
                           else Poem.objects.filter(key__in=poems or []).values_list("pk", flat=True))
        if set(event.poems.values_list("pk", flat=True)) != wanted_poems:
            event.poems.set(wanted_poems)
            changed = True
        if changed:
            changes.append(f"event {item.slug}")
    return changes
