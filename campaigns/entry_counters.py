"""Does a campaign have entries? Counted without importing the apps above this one.

Any row of another app that points at one of the campaign's events (a foreign key or many-to-many to
events.Event, found through Django's model registry) counts, except models that are part of the
campaign's definition rather than its participation (judging rounds are built from the file itself).
Apps whose link is indirect (a plain id, a generic relation) register a counter in AppConfig.ready():

    from campaigns.entry_counters import register_entry_counter
    register_entry_counter("submissions.voice_drafts", lambda campaign: VoiceDraft.objects.filter(...).count())
"""

from collections.abc import Callable

from django.apps import apps

from campaigns.models import Campaign

EntryCounter = Callable[[Campaign], int]
_counters: dict[str, EntryCounter] = {}
_OWN_APPS = {"campaigns", "events"}
_definition_models: set[str] = {"judging.round"}  # lower-case model labels


def register_definition_model(label: str) -> None:
    """Rows of this model (e.g. "judging.Round") describe the campaign; they are not entries."""
    _definition_models.add(label.lower())


def register_entry_counter(name: str, counter: EntryCounter) -> None:
    _counters[name] = counter


def unregister_entry_counter(name: str) -> None:
    _counters.pop(name, None)


def campaign_entry_count(campaign: Campaign) -> int:
    Event = apps.get_model("events", "Event")
    events = Event.objects.filter(campaign=campaign).values("pk")
    total = 0
    for relation in Event._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        model = relation.related_model
        if model._meta.app_label in _OWN_APPS or model._meta.label_lower in _definition_models:
            continue
        total += model._default_manager.filter(**{f"{relation.field.name}__in": events}).count()
    return total + sum(counter(campaign) for counter in _counters.values())
