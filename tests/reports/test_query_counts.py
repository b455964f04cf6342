"""Each report page, export and the dashboard reads a fixed number of queries: the counts are pinned
here, and more rows (children, attempts, entries, likes, visits) never add a query."""

from datetime import timedelta

import pytest

from .conftest import utc

pytestmark = pytest.mark.django_db

# url → the most queries it may take (sessions, auth, the organizer check and the visits rollup
# included), measured on SQLite (whose cache is the database) and PostgreSQL (two more for work_mem).
PAGES = {
    "/reports/c/nye-2027/": 48,
    "/reports/c/nye-2027/?library=C-HN-CS": 49,
    "/reports/c/nye-2027/export.xlsx": 45,
    "/reports/c/nye-2027/export.csv": 45,
    "/api/v1/reports/c/nye-2027/": 39,
    "/reports/": 44,
    "/api/v1/reports/dashboard/": 44,
}
DASHBOARD_CACHED = 12  # the figures come from the cache; only the attention items are counted again


def more_rows(nye, n: int = 12) -> None:
    """n more children taking part in every way, in several libraries."""
    from campaigns.models import Child, Registration
    from events.models import QuizAttempt, QuizResult
    from judging.models import Like
    from reports.visits import hit_record
    from submissions.models import Entry

    guardian = nye.children["c1"].guardian
    codes = ["X-HN-CSX", "C-HN-CS", "C-HN-ZZ", "C-HE-SJZ", "P-HN"]
    at = utc(2027, 2, 5, 12)
    for i in range(n):
        lib = nye.libraries[codes[i % len(codes)]]
        child = Child.objects.create(guardian=guardian, display_name=f"多{i}", nickname=f"多{i}", birth_year=2017,
                                     library=lib)
        Registration.objects.create(campaign=nye.campaign, child=child, library=lib)
        attempt = QuizAttempt.objects.create(
            event=nye.events["quiz"], child=child, library=lib, token=f"more{i}", status="finished",
            local_date=(at + timedelta(hours=8)).date(), started_at=at, deadline=at + timedelta(minutes=10),
            finished_at=at + timedelta(minutes=1), question_count=10, answered_count=10, correct_count=5,
            score=100 + i, total_time_ms=40000)
        QuizResult.objects.create(event=nye.events["quiz"], child=child, library=lib, best_attempt=attempt,
                                  score=attempt.score, total_time_ms=40000, finished_at=attempt.finished_at)
        entry = Entry.objects.create(event=nye.events["recite"], child=child, library=lib, kind="audio",
                                     status="ready", moderation="approved")
        Like.objects.create(entry=entry, voter_hash=f"more{i}", day=(at + timedelta(hours=8)).date(), created_at=at)
        hit_record(slug="nye-2027", code=lib.code, ip=f"10.1.0.{i}", user_agent="ua", at=at)
    from reports.services import visits_rollup

    visits_rollup()  # the buffered hits folded now: the pages count their own queries, not the rollup's


def queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def national(nye, client, organizer):
    client.force_login(organizer(nye.libraries["NLC"]))
    return client


@pytest.mark.parametrize("url", PAGES)
def test_each_page_reads_a_pinned_number_of_queries(nye, national, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(PAGES[url]):
        assert national.get(url).status_code == 200


def test_more_rows_add_no_query(nye, national):
    from django.core.cache import cache

    def counts():
        out = {}
        for url in PAGES:
            cache.clear()  # the dashboard's own cache: count a fresh computation
            out[url] = queries(national, url)
        return out

    before = counts()
    more_rows(nye)
    assert counts() == before


def test_dashboard_is_cached_per_scope(nye, national, client, organizer, django_assert_max_num_queries):
    from campaigns.models import Child, Registration

    def participants(c):
        return c.get("/api/v1/reports/dashboard/").json()[0]["headline"]["participants"]

    national_before = participants(national)
    with django_assert_max_num_queries(DASHBOARD_CACHED):
        assert national.get("/reports/").status_code == 200
    # A new participant in 长沙: the cached national figures do not recompute on every write...
    lib = nye.libraries["C-HN-CS"]
    child = Child.objects.create(guardian=nye.children["c1"].guardian, display_name="新", nickname="新",
                                 birth_year=2017, library=lib)
    Registration.objects.create(campaign=nye.campaign, child=child, library=lib)
    assert participants(national) == national_before
    # ...while another scope has its own entry, computed now.
    from django.test import Client

    city = Client()
    city.force_login(organizer(lib))
    city_now = city.get("/api/v1/reports/dashboard/").json()[0]
    assert city_now["scope"]["library"] == "C-HN-CS" and city_now["headline"]["participants"] >= 1
    # When the entry expires (DASHBOARD_SECONDS), the national figures count the newcomer.
    from django.core.cache import cache

    cache.delete(f"reports:dashboard:{nye.campaign.pk}:*")
    assert participants(national) == national_before + 1


def test_attention_items_are_never_stale(nye, national):
    """What the organizer acts on is counted on each request, even while the figures are cached."""
    from submissions.models import Entry

    def moderation(c):
        items = c.get("/api/v1/reports/dashboard/").json()[0]["attention"]
        return next((i["count"] for i in items if i["kind"] == "moderation"), 0)

    waiting = moderation(national)
    assert waiting >= 1
    Entry.objects.filter(event__campaign=nye.campaign, moderation="pending").update(moderation="approved")
    assert moderation(national) == 0
