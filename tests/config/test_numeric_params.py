"""Every numeric parameter of the HTML pages — integers in the path and the numbers read from query strings
and forms (found by grepping `request.GET`, `request.POST` and `int(`/`float(` in the views) — answers a
hostile value (huge, negative, not a number, a float, NaN, 10**30, a superscript digit) with a 4xx or a
bilingual message, never a 500 and never an unbounded loop or query (config/params.py)."""

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from builder.steps import STEPS
from config.params import MAX_ID, int_param
from tests.config.api_world import make_world

HUGE_PATH = ["9223372036854775808", "1" + "0" * 30, "0"]  # what an <int:…> path segment can carry
HOSTILE = ["-1", "abc", "1.5", "NaN", "inf", "1e309", "9223372036854775808", "1" + "0" * 30, "²", "٣", "", "0x10",
           str(10**9)]
# Numbers the views read from query strings and forms, by name (one request carries them all at once).
QUERY_NUMBERS = ["event", "poem", "child", "download", "page", "round", "limit", "day", "n"]
FORM_NUMBERS = ["child", "position", "entry", "score", "age_rows", "draw_rows", "event", "poem", "appeal", "on",
                "seconds", "rank", "weight", "min", "max", "count", "per_day", "value"]
# Values for the other path parameters, so a request gets past them to the number.
OTHERS = {"slug": "tongyin-test", "code": "P-HN", "step": "basics", "token": "x", "join_code": "x",
          "badge_key": "x"}


def routes() -> list[tuple[str, list[str]]]:
    """Page routes with at least one <int:…> parameter (the admin and the API have their own tests)."""
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                route = prefix + str(p.pattern)
                ints = [name for name, conv in p.pattern.converters.items() if type(conv).__name__ == "IntConverter"]
                if ints and not route.startswith(("admin", "api/")):
                    found.append((route, ints))

    walk(get_resolver().url_patterns, "")
    return found


def url_for(route: str, values: dict) -> str:
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), OTHERS.get(m.group(1), "x"))), route)


@pytest.mark.parametrize("value,expected", [
    ("42", 42), (" 7 ", 7), ("-1", None), ("0", None), ("abc", None), ("1.5", None), ("NaN", None), ("inf", None),
    ("1e309", None), ("9223372036854775808", None), ("1" + "0" * 30, None), ("²", None), ("٣", None), ("", None),
    ("0x10", None), (None, None), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None),
])
def test_int_param_takes_ascii_whole_numbers_in_range(value, expected):
    assert int_param(value) == expected


def test_int_param_clamps_counts():
    assert int_param(str(10**9), lo=0, hi=200, clamp=True) == 200
    assert int_param("-5", lo=0, hi=200, clamp=True) == 0
    assert int_param("1" + "0" * 30, lo=0, hi=200, default=0, clamp=True) == 0  # not a number it can read


@pytest.mark.django_db
def test_the_audit_finds_the_numeric_pages():
    found = dict(routes())
    assert len(found) >= 35, len(found)
    assert "entries/<int:entry_id>/" in found and "judging/rounds/<int:round_id>/" in found


@pytest.mark.slow  # ~2,000 requests
@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "organizer"])
def test_hostile_numbers_never_give_a_server_error(role, libraries, make_user):
    from campaigns.models import OrganizerRole

    world = make_world(libraries)
    client = Client(raise_request_exception=False)
    if role == "organizer":  # the national library's organizer reaches every campaign's pages
        user = make_user("org-numbers", is_staff=True)
        OrganizerRole.objects.create(user=user, library=libraries["NLC"])
        client.force_login(user)
    real = {"event_id": world["values"]["event_id"][0], "entry_id": world["values"]["entry_id"][0],
            "assignment_id": world["values"]["assignment_id"][0], "child_id": world["values"]["child_id"][0]}
    failures = []

    def check(method, url, **kwargs):
        response = getattr(client, method)(url, **kwargs)
        if response.status_code >= 500:
            failures.append((method.upper(), url, kwargs.get("data"), response.status_code))

    # 1. each integer in the path, huge or zero, the others real where there is a row
    for route, ints in routes():
        for name in ints:
            for value in HUGE_PATH:
                url = url_for(route, {**real, name: value})
                check("get", url)
                check("post", url, data={})
    # 2. the numbers read from query strings and forms, on every page that has a number in its path
    builder = [f"/builder/c/tongyin-test/{step.key}/" for step in STEPS] + ["/builder/c/tongyin-test/events/0/"]
    pages = [url_for(route, real) for route, _ in routes()] + builder + [
        "/entries/moderation/", "/family/children/add/", "/builder/new/", "/c/tongyin-test/register/"]
    for value in HOSTILE:
        for url in pages:
            check("get", url, data=dict.fromkeys(QUERY_NUMBERS, value))
            check("post", url, data={**dict.fromkeys(FORM_NUMBERS, value), "action": "void_likes"})
        for url in builder:
            for action in ("remove:", "up:"):
                check("post", url, data={**dict.fromkeys(FORM_NUMBERS, value), "action": action + value})
        check("post", url_for("judging/a/<int:assignment_id>/play", real), data=f'{{"seconds": "{value}"}}',
              content_type="application/json")
    assert not failures, failures
