"""What logging a reading costs: a handful of queries, whatever the child's history, because the
child's totals come from one aggregate and a badge is evaluated only when one of its conditions
crosses its threshold with the new ledger row. The counts are pinned: a change that adds a query per
log fails here (and shows in bench/reading.py)."""

import secrets

import pytest

from reading import services
from reading.models import BadgeAward, PointsEntry
from tests.reading.test_ledger import at, log

pytestmark = pytest.mark.django_db


def history(w, days=(-2, -1)):
    for offset in days:
        log(w, minutes=20, day_offset=offset)


def test_a_log_on_a_new_day_costs_a_handful_of_queries(reading_world, django_assert_num_queries):
    """The stages, the child's lock (with the branch the log counts for), the day's logs (cap, flags,
    first log in the event), the log and its audit row, the ledger's aggregate and insert, the child's reading days (streaks) — and
    the savepoint the service opens inside the test's transaction and its release. No badge query: no
    condition crossed its threshold."""
    w = reading_world
    history(w, days=(-3,))  # a gap: no streak, no bonus, no new badge
    with django_assert_num_queries(10):
        log(w, minutes=20, day_offset=-1)
    assert PointsEntry.objects.filter(child=w["xm"]).count() == 2


def test_a_second_log_on_the_same_day_reads_no_streak(reading_world, django_assert_num_queries):
    w = reading_world
    history(w)
    log(w, minutes=20)
    with django_assert_num_queries(9):
        log(w, minutes=10)


def test_the_count_does_not_grow_with_the_childs_history(reading_world, django_assert_num_queries):
    """200 earlier reading days and every badge held: still the same queries (one aggregate, no rows
    brought back to count them)."""
    w = reading_world
    PointsEntry.objects.bulk_create(
        PointsEntry(campaign=w["campaign"], child=w["xm"], library=w["xm"].library, source="reading",
                    source_key=f"old-{n}", day=at(-40 - n).date(), points=10, minutes=10) for n in range(200))
    for key in ("first-log", "streak-3", "minutes-100", "two-events"):
        BadgeAward.objects.create(campaign=w["campaign"], child=w["xm"], badge_key=key)
    log(w, minutes=20)
    with django_assert_num_queries(9):
        log(w, minutes=10)


def test_a_like_reads_neither_streaks_nor_events(reading_world, django_assert_num_queries):
    """A like can only move points: no badge of this campaign looks at points, so after the lock, the
    ledger's aggregate and the insert nothing else is read."""
    w = reading_world
    with django_assert_num_queries(5):  # savepoint, lock, aggregate, insert, release
        services.credit_activity(campaign=w["campaign"], child=w["xm"], source="like",
                                 source_key=f"like-{secrets.token_hex(4)}", day=at().date())


def test_logging_through_the_page_costs_a_handful_of_queries(reading_world, client, django_assert_num_queries):
    """The whole request: the session (from Redis when the cache is Redis: cached_db sessions), the
    user, the event, the children, then the service."""
    from django.conf import settings

    w = reading_world
    history(w)
    log(w, minutes=20)
    client.force_login(w["guardian"])
    with django_assert_num_queries(12 if settings.SESSION_ENGINE.endswith("cached_db") else 13):
        response = client.post(f"/reading/e/{w['event'].id}/", {"child": w["xm"].id, "minutes": "10", "title": "草房子"})
    assert response.status_code == 302
    assert PointsEntry.objects.filter(child=w["xm"], source="reading").count() == 4


def test_a_badge_is_read_only_when_a_condition_crosses_its_threshold(reading_world, django_assert_num_queries):
    """The 100-minute badge is looked at by the log that passes 100 minutes (the held badges read, the
    award and its audit row written), not by the logs before or after it; a badge lost some other way
    is restored by the recompute, not by the next log."""
    w = reading_world
    log(w, minutes=50, day_offset=-1)
    with django_assert_num_queries(9):
        log(w, minutes=10, day_offset=-1)  # 60 minutes: nothing crossed
    with django_assert_num_queries(16):  # a new day (10) + the held badges, the award (get_or_create: 4), its audit row
        log(w, minutes=40)  # 100 minutes: crossed (a new day, but a 2-day run earns no 3-day bonus)
    assert BadgeAward.objects.filter(child=w["xm"], badge_key="minutes-100").exists()
    BadgeAward.objects.filter(child=w["xm"], badge_key="first-log").delete()
    log(w, minutes=5)
    assert not BadgeAward.objects.filter(child=w["xm"], badge_key="first-log").exists()
    assert services.campaign_recompute(campaign=w["campaign"])["badges_awarded"] == 1
    assert BadgeAward.objects.filter(child=w["xm"], badge_key="first-log").exists()
