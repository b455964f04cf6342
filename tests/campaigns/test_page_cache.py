"""The cached middles of the home, campaign and branch pages (campaigns/page_cache.py): a warm page
costs a handful of queries, and every change a visitor must see shows on the next request —
an organizer's edit, a new registration, a stage that opens with the clock."""

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns import page_cache
from campaigns.models import Library, Stage
from events.models import Event
from tests.campaigns.family_helpers import make_campaign
from tests.campaigns.test_pages import register_children


@pytest.fixture
def campaign(libraries):
    campaign = make_campaign(libraries)
    Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="诗词答题")
    return campaign


WARM = []


def queries(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    WARM[:] = captured.captured_queries
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/c/tongyin-test/", "/c/tongyin-test/lib/C-HN-CS/"])
def test_a_warm_page_costs_a_handful_of_queries(client, campaign, path):
    cold, first = queries(client, path)
    warm, second = queries(client, path)
    # Warm: two cache reads (the version with the campaign and branch rows; the fragment with the
    # counts), the visit record (its salt, its INSERT): nothing that grows with the campaign.
    assert warm < cold and warm <= 4, (cold, warm, [q["sql"][:60] for q in WARM])
    strip = lambda html: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)  # noqa: E731
    assert strip(first) == strip(second)


@pytest.mark.django_db
def test_an_organizers_edit_shows_on_the_next_request(client, campaign):
    client.get("/c/tongyin-test/")
    event = campaign.events.get(slug="quiz")
    event.title = "诗词大会"
    event.save()
    assert "诗词大会" in client.get("/c/tongyin-test/").content.decode()
    assert "诗词大会" in client.get("/c/tongyin-test/lib/C-HN-CS/").content.decode()
    campaign.title = "童音诵古韵（新）"
    campaign.save()
    assert "童音诵古韵（新）" in client.get("/").content.decode()
    assert "童音诵古韵（新）" in client.get("/c/tongyin-test/").content.decode()  # the cached row follows
    assert "童音诵古韵（新）" in client.get("/c/tongyin-test/lib/C-HN-CS/").content.decode()
    library = Library.objects.get(code="C-HN-CS")
    library.name = "长沙图书馆（新馆）"
    library.save()
    assert "长沙图书馆（新馆）" in client.get("/c/tongyin-test/lib/C-HN-CS/").content.decode()
    assert client.get("/c/tongyin-test/lib/NO-SUCH/").status_code == 404


@pytest.mark.django_db
def test_a_registration_counts_on_the_next_request(client, campaign, libraries, make_user, django_capture_on_commit_callbacks):
    counter = re.compile(r'data-live-participants="[^"]+"[^>]*>(\d+)<')
    assert counter.search(client.get("/c/tongyin-test/").content.decode())[1] == "0"
    assert re.search(r"本馆及下级馆.*?<strong>0</strong>", client.get("/c/tongyin-test/lib/C-HN-CS/").content.decode(), re.S)
    with django_capture_on_commit_callbacks(execute=True):
        register_children(libraries, make_user, campaign, 2)
    assert counter.search(client.get("/c/tongyin-test/").content.decode())[1] == "2"
    branch = client.get("/c/tongyin-test/lib/C-HN-CS/").content.decode()
    assert re.search(r"本馆及下级馆.*?<strong>2</strong>", branch, re.S)


@pytest.mark.django_db
def test_a_stage_opens_on_time_although_the_page_was_cached(client, campaign):
    """Real time, not a frozen clock: Redis expires keys by its own clock."""
    Stage.objects.filter(campaign=campaign).delete()
    opens = timezone.now() + timedelta(seconds=2)
    Stage.objects.create(campaign=campaign, kind=Stage.Kind.ENTRIES_OPEN, starts_at=opens)
    assert "当前没有进行中的阶段" in client.get("/c/tongyin-test/").content.decode()
    time.sleep(max(0.0, (opens - timezone.now()).total_seconds()) + 0.2)
    page = client.get("/c/tongyin-test/").content.decode()
    assert "当前没有进行中的阶段" not in page and re.search(r"现在进行.*征集作品", page, re.S)


def test_a_fragment_lives_until_the_next_moment_it_changes():
    now = timezone.now()
    assert page_cache.seconds_until([now - timedelta(days=1), now + timedelta(seconds=42), None], now) == 42
    assert page_cache.seconds_until([now + timedelta(days=9)], now) == page_cache.MAX_SECONDS
    assert page_cache.seconds_until([], now) == page_cache.MAX_SECONDS
    assert page_cache.seconds_until([now + timedelta(milliseconds=10)], now) == 1
    assert page_cache.seconds_until([now + timedelta(seconds=1.5)], now) == 2  # rounded up, never early
    assert page_cache.next_moment([now - timedelta(days=1), None, now + timedelta(seconds=9), now + timedelta(seconds=3)], now) == now + timedelta(seconds=3)
    assert page_cache.next_moment([now - timedelta(days=1)], now) is None


@pytest.mark.django_db
def test_a_fragment_is_rebuilt_after_its_moment_though_the_cache_still_holds_it():
    """The cache keeps a key for whole seconds, counted from when it was stored; a fragment that
    took long to render must still not outlive the moment it stops being true."""
    builds = []

    def build():
        builds.append(1)
        return {"n": len(builds)}, timezone.now() + timedelta(milliseconds=100)

    parts = ("test-rebuild", time.time_ns())
    assert page_cache.fragment("v", parts, build) == {"n": 1}
    assert page_cache.fragment("v", parts, build) == {"n": 1}  # still true: served from the cache
    time.sleep(0.15)
    assert page_cache.fragment("v", parts, build) == {"n": 2}


@pytest.mark.django_db
def test_what_the_visitor_typed_makes_no_invalid_cache_key(client, campaign):
    """Django warns (CacheKeyWarning) about keys over 250 characters or with control characters; a
    visitor's URL must not produce one, whatever it holds."""
    import warnings

    from django.core.cache import CacheKeyWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        assert client.get("/c/tongyin-test/lib/" + "A" * 3000 + "/").status_code == 404
        assert client.get("/c/tongyin-test/lib/%01%1F/").status_code == 404  # (NUL: config/nul_guard.py, 400)
        assert client.get("/c/" + "x" * 3000 + "/").status_code == 404
        assert client.get("/c/tongyin-test/lib/C-HN-CS/").status_code == 200
