"""Visit counting: only the counted pages, only a daily salted hash, exact after an idempotent rollup."""

from datetime import date

import pytest
from freezegun import freeze_time

from reports.models import VisitHit, VisitorDay, VisitSalt
from reports.services import visits_rollup, visits_rollup_batch
from reports.visits import counted_page, visitor_hash

from .conftest import utc

pytestmark = pytest.mark.django_db


def test_counted_paths_only():
    assert counted_page("/c/nye-2027/") == ("nye-2027", "")
    assert counted_page("/c/nye-2027/lib/X-HN-CSX/") == ("nye-2027", "X-HN-CSX")
    for path in ["/", "/c/nye-2027", "/c/nye-2027/gallery/", "/c/nye-2027/lib/X/extra/", "/reports/c/nye-2027/",
                 "/api/v1/reports/c/nye-2027/", "/static/c/x/"]:
        assert counted_page(path) is None, path


@pytest.fixture
def counted_urls(settings):
    import importlib

    settings.ROOT_URLCONF = "tests.reports.urls_counted"
    # Imported before any freeze_time: the API's pydantic schemas cannot be built from freezegun's
    # FakeDatetime (the test failed when it was the first to load the URLconf).
    importlib.import_module(settings.ROOT_URLCONF)


def test_middleware_counts_successful_gets_of_counted_pages(nye, client, counted_urls):
    ua = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) MicroMessenger", "REMOTE_ADDR": "203.0.113.9"}
    with freeze_time("2027-02-05 15:30:00"):  # 23:30 on 除夕
        assert client.get("/c/nye-2027/", **ua).status_code == 200
        client.get("/c/nye-2027/", **ua)
        client.get("/c/nye-2027/lib/X-HN-CSX/", **ua)
        client.get("/c/nye-2027/gallery/", **ua)  # not a counted page
        client.get("/c/missing/", **ua)  # 404: not counted
        client.post("/c/nye-2027/", **ua)  # not a GET
        client.get("/c/nye-2027/", HTTP_USER_AGENT="Googlebot/2.1", REMOTE_ADDR="203.0.113.10")  # a crawler
    assert VisitHit.objects.count() == 3
    raw = " ".join(str(v) for row in VisitHit.objects.values_list() for v in row)
    assert "203.0.113.9" not in raw and "iPhone" not in raw  # only the hash is stored
    assert visits_rollup() == 3
    rows = {(r.library_id, r.day): r.views for r in VisitorDay.objects.all()}
    assert rows == {(None, date(2027, 2, 5)): 2, (nye.libraries["X-HN-CSX"].pk, date(2027, 2, 5)): 1}
    assert VisitHit.objects.count() == 0


def test_a_spoofed_forwarded_header_cannot_inflate_visitors(client, counted_urls, settings):
    """One phone sending a fresh X-Forwarded-For with every request is one visitor; behind our own
    proxy (DJANGO_TRUSTED_PROXIES), the addresses the proxy saw are distinct visitors."""
    ua = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) MicroMessenger", "REMOTE_ADDR": "203.0.113.9"}
    settings.TRUSTED_PROXIES = []
    for n in range(3):
        assert client.get("/c/nye-2027/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", **ua).status_code == 200
    assert VisitHit.objects.values("visitor").distinct().count() == 1
    VisitHit.objects.all().delete()
    settings.TRUSTED_PROXIES = ["203.0.113.9/32"]
    for n in range(3):
        client.get("/c/nye-2027/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", **ua)
    assert VisitHit.objects.values("visitor").distinct().count() == 3


def test_daily_salt_rotates_and_old_salts_are_forgotten(nye):
    eve = visitor_hash(ip="1.2.3.4", user_agent="ua", day=date(2027, 2, 5))
    assert eve == visitor_hash(ip="1.2.3.4", user_agent="ua", day=date(2027, 2, 5))
    assert eve != visitor_hash(ip="1.2.3.4", user_agent="ua", day=date(2027, 2, 6))
    assert eve != visitor_hash(ip="1.2.3.5", user_agent="ua", day=date(2027, 2, 5))
    assert len(eve) == 32 and "1.2.3.4" not in eve
    with freeze_time("2027-02-08 02:00:00"):
        visits_rollup()
    assert not VisitSalt.objects.filter(day__lt=date(2027, 2, 7)).exists()


def test_rollup_is_idempotent_and_exact(nye_visits):
    before = list(VisitorDay.objects.order_by("pk").values_list("campaign", "library", "day", "visitor", "views"))
    assert sum(row[-1] for row in before) == 7  # the two hits for unknown pages were dropped
    assert visits_rollup() == 0 and visits_rollup_batch() == 0
    after = list(VisitorDay.objects.order_by("pk").values_list("campaign", "library", "day", "visitor", "views"))
    assert before == after


def test_rollup_adds_to_existing_rows_across_batches(nye):
    from reports.visits import hit_record

    for minute in range(5):
        hit_record(slug="nye-2027", code="C-HN-CS", ip="10.1.1.1", user_agent="x", at=utc(2027, 2, 5, 4, minute))
    assert visits_rollup_batch(batch=2) == 2
    assert visits_rollup_batch(batch=2) == 2
    assert visits_rollup() == 1
    (row,) = VisitorDay.objects.all()
    assert row.views == 5 and row.day == date(2027, 2, 5)


def test_schedule_runs_the_rollup_every_minute(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="reports.visits_rollup")
    assert schedule.func == "reports.tasks.visits_rollup_task"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)
