"""Who takes part in a campaign: the children registered for it, and the children other apps see
taking part (an entry, a finished quiz paper), counted once each.

Apps above campaigns register a source at start-up (AppConfig.ready): a function of the campaign
id returning a `values_list("child_id", flat=True)` queryset. The public counter, the API and the
reports all count the same people this way."""

from collections.abc import Callable

from django.db.models import QuerySet

from campaigns.models import Registration

ParticipantSource = Callable[[int], QuerySet]
_sources: dict[str, ParticipantSource] = {}


def register_participant_source(name: str, source: ParticipantSource) -> None:
    _sources[name] = source


def participant_child_ids(campaign_id: int) -> QuerySet:
    """Distinct child ids (a UNION, so each child once) of everyone taking part."""
    registered = Registration.objects.filter(campaign_id=campaign_id).values_list("child_id", flat=True).order_by()
    others = [source(campaign_id).order_by() for source in _sources.values()]
    return registered.union(*others) if others else registered


def campaign_participant_count(campaign_id: int) -> int:
    return participant_child_ids(campaign_id).count()
