"""What logging a reading costs: a handful of queries, whatever the child's history, because only the
badges the new ledger row could earn are evaluated and the child's totals come from one aggregate.
The counts are pinned: a change that adds a query per log fails here (and in bench/reading.py)."""

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
    """The stages, the child's lock, the day's logs (cap, flags, first log in the event), the branch, the
    log and its audit row, the ledger's aggregate and insert, the child's reading days (streaks), the
    held badges — and the savepoint the service opens inside the test's transaction."""
    w = reading_world
    history(w, days=(-3,))  # a gap: no streak, no bonus, no new badge
    with django_assert_num_queries(12):
        log(w, minutes=20, day_offset=-1)
    assert PointsEntry.objects.filter(child=w["xm"]).count() == 2


def test_a_second_log_on_the_same_day_reads_no_streak(reading_world, django_assert_num_queries):
    w = reading_world
    history(w)
    log(w, minutes=20)
    with django_assert_num_queries(11):
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
    with django_assert_num_queries(11):
        log(w, minutes=10)


def test_a_like_reads_neither_streaks_nor_events(reading_world, django_assert_num_queries):
    """A like can only move points: no badge of this campaign looks at points, so after the lock, the
    ledger's aggregate and the insert nothing else is read."""
    w = reading_world
    with django_assert_num_queries(5):  # savepoint, lock, aggregate, insert, release
        services.credit_activity(campaign=w["campaign"], child=w["xm"], source="like",
                                 source_key=f"like-{secrets.token_hex(4)}", day=at().date())


def test_logging_through_the_page_costs_a_handful_of_queries(reading_world, client, django_assert_num_queries):
    """The whole request: the session, the user, the event, the children, then the service."""
    w = reading_world
    history(w)
    log(w, minutes=20)
    client.force_login(w["guardian"])
    with django_assert_num_queries(15):
        response = client.post(f"/reading/e/{w['event'].id}/", {"child": w["xm"].id, "minutes": "10", "title": "草房子"})
    assert response.status_code == 302
    assert PointsEntry.objects.filter(child=w["xm"], source="reading").count() == 4
