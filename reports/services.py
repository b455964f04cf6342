"""The only writes of the reports layer: folding the visit buffer into daily visitor rows."""

from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, Library
from reports.models import RollupLock, VisitHit, VisitorDay, VisitSalt

ROLLUP_BATCH = 20_000


def _lock() -> RollupLock | None:
    RollupLock.objects.get_or_create(name="visits")
    # skip_locked: a second worker (or a report page) finding the rollup running simply moves on.
    return RollupLock.objects.select_for_update(skip_locked=True).filter(name="visits").first()


def visits_rollup_batch(*, batch: int = ROLLUP_BATCH) -> int:
    """Fold up to `batch` buffered hits into VisitorDay in one transaction; returns hits folded.

    Idempotent: the hits are deleted in the same transaction that counts them, so a crash either
    counts and deletes them, or does neither; running it again never counts a hit twice."""
    with transaction.atomic():
        lock = _lock()
        if lock is None:
            return 0
        hits = list(
            VisitHit.objects.order_by("id").values_list("id", "at", "campaign_slug", "library_code", "visitor")[:batch]
        )
        if not hits:
            return 0
        last_id = hits[-1][0]
        campaigns = {
            c.slug: (c.pk, ZoneInfo(c.timezone or "Asia/Shanghai"))
            for c in Campaign.objects.filter(slug__in={h[2] for h in hits}).only("pk", "slug", "timezone")
        }
        codes = {h[3] for h in hits if h[3]}
        libraries = dict(Library.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}
        counts: dict[tuple, int] = defaultdict(int)
        for _id, at, slug, code, visitor in hits:
            campaign = campaigns.get(slug)
            if campaign is None or (code and code not in libraries):
                continue  # a page that does not exist (any more): nothing to count
            counts[(campaign[0], libraries.get(code), at.astimezone(campaign[1]).date(), visitor)] += 1
        if counts:
            _merge(counts)
        VisitHit.objects.filter(id__lte=last_id).delete()
        lock.last_run_at = timezone.now()
        lock.last_hit_id = last_id
        lock.save(update_fields=["last_run_at", "last_hit_id"])
        return len(hits)


def _merge(counts: dict[tuple, int]) -> None:
    campaign_ids = {k[0] for k in counts}
    days = {k[2] for k in counts}
    visitors = {k[3] for k in counts}
    existing = {
        (row.campaign_id, row.library_id, row.day, row.visitor): row
        for row in VisitorDay.objects.filter(campaign_id__in=campaign_ids, day__in=days, visitor__in=visitors)
    }
    to_update, to_create = [], []
    for key, views in counts.items():
        row = existing.get(key)
        if row is not None:
            row.views += views
            to_update.append(row)
        else:
            to_create.append(VisitorDay(campaign_id=key[0], library_id=key[1], day=key[2], visitor=key[3], views=views))
    if to_update:
        VisitorDay.objects.bulk_update(to_update, ["views"], batch_size=1000)
    if to_create:
        VisitorDay.objects.bulk_create(to_create, batch_size=1000)


def visits_rollup(*, max_batches: int = 100) -> int:
    """Fold everything buffered (in batches) and forget salts older than yesterday."""
    total = 0
    for _ in range(max_batches):
        folded = visits_rollup_batch()
        total += folded
        if folded < ROLLUP_BATCH:
            break
    VisitSalt.objects.filter(day__lt=timezone.localdate() - timedelta(days=1)).delete()
    return total
