"""The retention purge (PIPL; DESIGN.md §6): when a campaign has been archived for its
`retention_days` (Campaign.config, default 365), the children's media and personal entry data of that
campaign are removed automatically, once a day, by `campaigns.tasks.retention_purge_task` (a django-q2
Schedule created in campaigns/migrations/0002_retention_schedule.py).

campaigns does not import the apps that hold the data; they register a purger in AppConfig.ready():

    from campaigns.retention import register_purger

    register_purger("entries", purge_campaign_entries)   # func(campaign) -> {"what": count, ...}

A purger must be idempotent (a second run finds nothing left and returns zero counts), must run inside
the caller's transaction and remove stored files only after commit (transaction.on_commit).
What is kept after the purge, and why, is documented in docs/families.md ("Retention")."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import Campaign, Stage
from campaigns.sections import MIN_RETENTION_DAYS, campaign_options

Purger = Callable[[Campaign], dict]
_purgers: dict[str, Purger] = {}


def register_purger(key: str, func: Purger) -> None:
    """`func(campaign) -> dict[str, int]` removes what app `key` holds about the campaign's children."""
    _purgers[key] = func


def unregister_purger(key: str) -> None:
    _purgers.pop(key, None)


def purgers() -> dict[str, Purger]:
    return dict(_purgers)


def retention_days(campaign: Campaign) -> int:
    return campaign_options(campaign).retention_days


def purge_due_at(campaign: Campaign) -> datetime | None:
    """When the campaign's data must be gone: the archived stage's start + retention_days (None: never
    archived, nothing is due)."""
    archived = next((s for s in campaign.stages.all() if s.kind == Stage.Kind.ARCHIVED), None)
    if archived is None:
        return None
    return archived.starts_at + timedelta(days=retention_days(campaign))


def campaigns_due(now: datetime | None = None) -> list[Campaign]:
    now = now or timezone.now()
    # Retention is at least MIN_RETENTION_DAYS, so only campaigns archived before that can be due.
    candidates = Campaign.objects.filter(
        stages__kind=Stage.Kind.ARCHIVED, stages__starts_at__lte=now - timedelta(days=MIN_RETENTION_DAYS),
    ).prefetch_related("stages").distinct().order_by("pk")
    return [c for c in candidates if (due := purge_due_at(c)) is not None and due <= now]


@dataclass(frozen=True)
class PurgeReport:
    campaign_id: int
    counts: dict[str, dict]

    @property
    def total(self) -> int:
        return sum(int(v) for section in self.counts.values() for v in section.values())


def campaign_purge(*, campaign: Campaign, now: datetime | None = None) -> PurgeReport:
    """Run every registered purger for one due campaign in one transaction; audit what was removed.

    Idempotent: a campaign already purged yields zero counts and no new audit row."""
    now = now or timezone.now()
    due = purge_due_at(campaign)
    if due is None or due > now:
        return PurgeReport(campaign_id=campaign.pk, counts={})
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one purge at a time
        counts = {key: {k: int(v) for k, v in (func(campaign) or {}).items()} for key, func in sorted(_purgers.items())}
        report = PurgeReport(campaign_id=campaign.pk, counts=counts)
        if report.total:
            # Counts only: the audit log must not keep what the purge removed.
            audit_record(action="retention_purged", obj=campaign, campaign=campaign, counts=counts,
                         retention_days=retention_days(campaign), due_at=due.isoformat())
    return report


def retention_purge(now: datetime | None = None) -> list[PurgeReport]:
    """Purge every campaign whose retention period is over (the daily scheduled task)."""
    return [campaign_purge(campaign=campaign, now=now) for campaign in campaigns_due(now)]
