"""Write a validated campaign file to the database: create or update, idempotently.

Rows are matched by their natural keys (campaign slug, stage kind, age-group key, event slug, library),
so ids and join codes stay the same across reloads, and a row is saved only when something changed."""

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.db import transaction

from campaigns.audit import audit_record
from campaigns.campaign_file.catalog import Catalog
from campaigns.campaign_file.poems import poems_import
from campaigns.campaign_file.schema import CONFIG_SECTIONS, EVENT_COLUMNS
from campaigns.campaign_file.structure import check_edit_allowed
from campaigns.campaign_file.validate import ValidFile, campaign_file_validate
from campaigns.models import AgeGroup, Campaign, CampaignLibrary, Library, Stage


@dataclass
class LoadResult:
    campaign: Campaign
    created: bool
    changes: list[str] = field(default_factory=list)


def campaign_file_load(*, text: str) -> LoadResult:
    """Validate the whole file (raising CampaignFileError with every problem), then write it in one transaction."""
    catalog = Catalog.from_database()
    valid = campaign_file_validate(text=text, catalog=catalog)
    with transaction.atomic():
        existing = Campaign.objects.select_for_update().filter(slug=valid.data["slug"]).first()
        if existing is not None:
            check_edit_allowed(existing, valid, catalog)
        result = _write(valid, existing, catalog)
        if result.changes:
            audit_record(action="campaign.file_loaded", obj=result.campaign, campaign=result.campaign,
                         created=result.created, changes=result.changes)
        return result


def _write(valid: ValidFile, campaign: Campaign | None, catalog: Catalog) -> LoadResult:
    data, changes = valid.data, []
    if poems_import():
        changes.append("poems")
    fields = {
        "title": data["title"], "title_en": data["title_en"], "theme": data["theme"], "rules": data["rules"],
        "lead_library": Library.objects.get(code=data["lead_library"]), "timezone": data["timezone"],
        "participation": data["libraries"],
        "config": {key: data[key] for key in CONFIG_SECTIONS if key in data},
    }
    created = campaign is None
    if created:
        campaign = Campaign(slug=data["slug"], **fields)
        _save(campaign)
        changes.append("campaign")
    elif _assign(campaign, fields):
        _save(campaign)
        changes.append("campaign")
    changes += _sync_stages(campaign, data["stages"])
    changes += _sync_age_groups(campaign, data["age_groups"])
    changes += _sync_branches(campaign, catalog.participants(data["libraries"]))
    changes += _sync_events(campaign, data["events"])
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


def _sync_stages(campaign: Campaign, stages: list[dict]) -> list[str]:
    current = {stage.kind: stage for stage in campaign.stages.all()}
    changes = [f"stage {kind} removed" for kind in sorted(set(current) - {s["kind"] for s in stages})]
    campaign.stages.exclude(kind__in=[s["kind"] for s in stages]).delete()
    for item in stages:
        fields = {"starts_at": datetime.fromisoformat(item["starts"]),
                  "ends_at": datetime.fromisoformat(item["ends"]) if item.get("ends") else None}
        stage = current.get(item["kind"]) or Stage(campaign=campaign, kind=item["kind"])
        if _assign(stage, fields) or stage.pk is None:
            _save(stage)
            changes.append(f"stage {item['kind']}")
    return changes


def _sync_age_groups(campaign: Campaign, groups: list[dict]) -> list[str]:
    current = {group.key: group for group in campaign.age_groups.all()}
    keys = [g["key"] for g in groups]
    changes = [f"age group {key} removed" for key in sorted(set(current) - set(keys))]
    campaign.age_groups.exclude(key__in=keys).delete()
    for item in groups:
        fields = {"label": item["label"], "min_age": item["min_age"], "max_age": item["max_age"]}
        group = current.get(item["key"]) or AgeGroup(campaign=campaign, key=item["key"])
        if _assign(group, fields) or group.pk is None:
            _save(group)
            changes.append(f"age group {item['key']}")
    return changes


def _sync_branches(campaign: Campaign, codes: set[str]) -> list[str]:
    current = dict(campaign.branches.values_list("library__code", "pk"))
    leaving = [pk for code, pk in current.items() if code not in codes]
    joining = Library.objects.filter(code__in=codes - set(current))
    CampaignLibrary.objects.filter(pk__in=leaving).delete()
    CampaignLibrary.objects.bulk_create([CampaignLibrary(campaign=campaign, library=lib) for lib in joining])
    changes = []
    if leaving:
        changes.append(f"libraries -{len(leaving)}")
    if joining:
        changes.append(f"libraries +{len(joining)}")
    return changes


def _sync_events(campaign: Campaign, events: list[dict]) -> list[str]:
    Event, Poem = apps.get_model("events", "Event"), apps.get_model("events", "Poem")
    current = {event.slug: event for event in Event.objects.filter(campaign=campaign)}
    slugs = [e["slug"] for e in events]
    changes = [f"event {slug} removed" for slug in sorted(set(current) - set(slugs))]
    Event.objects.filter(campaign=campaign).exclude(slug__in=slugs).delete()
    groups = {group.key: group for group in campaign.age_groups.all()}
    for position, item in enumerate(events):
        settings = {k: v for k, v in item.items() if k not in EVENT_COLUMNS}
        fields = {"kind": item["kind"], "title": item["title"], "description": item["description"],
                  "position": position, "settings": settings}
        event = current.get(item["slug"]) or Event(campaign=campaign, slug=item["slug"])
        changed = _assign(event, fields) or event.pk is None
        if changed:
            _save(event)
        wanted_groups = {groups[key].pk for key in item["age_groups"]}
        if set(event.age_groups.values_list("pk", flat=True)) != wanted_groups:
            event.age_groups.set(wanted_groups)
            changed = True
        poems = settings.get("entries", {}).get("poems")
        wanted_poems = set(Poem.objects.values_list("pk", flat=True) if poems == "all"
                           else Poem.objects.filter(key__in=poems or []).values_list("pk", flat=True))
        if set(event.poems.values_list("pk", flat=True)) != wanted_poems:
            event.poems.set(wanted_poems)
            changed = True
        if changed:
            changes.append(f"event {item['slug']}")
    return changes
