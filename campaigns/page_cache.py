"""Cached parts of the busiest public pages: the home page, the campaign pages and the branch pages.

These pages are the same for every visitor but for the header (login state, CSRF tokens in the
language and display-mode forms) and a few small parts (the live counters, a manager's link), so
each view renders its visitor-independent middle once into Django's cache (shared by every
process) and every request renders only the page around it. Measured with bench.serving on this
machine: the campaign page cost 25 ms of rendering and 14 queries per request, about 0.1 × the
WSGI floor; docs/benchmarks.md has the figures with the cache.

Freshness, without a timer that guesses:
- Structural changes (a campaign, its stages, age groups, taking-part libraries, events, a library
  renamed) replace the one public-pages version token, at once and again when the transaction
  commits, so no request can cache the old state under the new token. Organizers' edits are rare
  next to page views, so one token for all pages costs nothing. The rows a page is about (the
  campaign, the branch) are cached under the same token (`current`), so a warm page reads the
  cache twice and builds no model instance.
- What changes with the clock (a stage or an event opening or closing) ends each fragment's life
  at the next such moment: the fragment carries that moment and a read after it rebuilds, so
  "进行中" appears on time even when rendering took a while (the cache's own expiry, rounded up
  to whole seconds, only frees the memory).
- Participant counts, which change with every registration, entry and finished quiz, are cached
  apart for COUNT_SECONDS; a registration forgets its campaign's count when it commits, and the
  page's live counter (socket) sends the exact figure anyway.
"""

import hashlib
import math
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from campaigns.models import Library

VERSION_KEY = "campaigns:public-pages:version"
MAX_SECONDS = 300  # a fragment is rebuilt at least this often, whatever happens
COUNT_SECONDS = 10


def _new_version() -> None:
    cache.set(VERSION_KEY, secrets.token_hex(8), None)


def pages_changed(**_ignored) -> None:
    """Signal receiver (and a plain function): every cached public fragment is stale."""
    _new_version()
    transaction.on_commit(_new_version)


def version() -> str:
    """The public pages' current version token (a fragment's key names it)."""
    token = cache.get(VERSION_KEY)
    if token is None:
        token = secrets.token_hex(8)
        cache.add(VERSION_KEY, token, None)  # another process may have set one first: use theirs
        token = cache.get(VERSION_KEY, token)
    return token


def next_moment(moments: Iterable[datetime | None], now: datetime) -> datetime | None:
    """The first of `moments` still ahead of `now`, if any."""
    return min((m for m in moments if m is not None and m > now), default=None)


def seconds_until(moments: Iterable[datetime | None], now: datetime | None = None) -> int:
    """Seconds until the first of `moments` still ahead (at least 1), at most MAX_SECONDS."""
    now = now or timezone.now()
    ahead = [(m - now).total_seconds() for m in moments if m is not None and m > now]
    return math.ceil(max(1, min([MAX_SECONDS, *ahead])))  # never expires before the moment


def _key(prefix: str, name: str) -> str:
    """A cache key for `name`, which holds what the visitor typed (a slug, a library code): hashed, so
    a 3,000-character or control-character URL makes neither an invalid key nor a log line."""
    return prefix + hashlib.blake2b(name.encode(), digest_size=16).hexdigest()


def current(name: str, load: Callable[[], Any]) -> tuple[str, Any]:
    """(the pages' version, the value named `name` under it) in one cache read when warm, else
    `load()`'s, kept until the version changes (not kept when None: a missing page stays a 404).
    For the rows a page is about (the campaign, the branch), which the version already follows."""
    key = _key("campaigns:row:", name)
    found = cache.get_many([VERSION_KEY, key])
    token = found.get(VERSION_KEY) or version()
    entry = found.get(key)
    if entry is not None and entry["version"] == token:
        return token, entry["value"]
    value = load()
    if value is not None:
        cache.set(key, {"version": token, "value": value}, MAX_SECONDS)
    return token, value


def page(version: str, parts: tuple | None, build: Callable[[], tuple[dict, datetime | None]],
         computes: dict[str, Callable[[], int]]) -> tuple[dict, dict[str, int]]:
    """(fragment, {name: count}) in one cache read when warm.

    The fragment is the cached dict for `parts` (a key naming the page and what it varies by) under
    the pages' `version`, else `build()`'s (value, the moment it stops being true or None), kept
    until then; with `parts` None it is built for this request only. Each count is cached for
    COUNT_SECONDS (see the module's docstring), computed by `computes[name]` when missing."""
    key = _key("campaigns:fragment:", ":".join(str(p) for p in (version, *parts))) if parts is not None else None
    count_keys = {name: "campaigns:count:" + name for name in computes}
    found = cache.get_many([k for k in (key, *count_keys.values()) if k])
    cached = found.get(key) if key else None
    if cached is not None and (cached["until"] is None or timezone.now() < cached["until"]):
        value = cached["value"]
    else:
        value, until = build()
        if key:
            cache.set(key, {"value": value, "until": until}, seconds_until([until]))
    counts, missing = {}, {}
    for name, compute in computes.items():
        counts[name] = found.get(count_keys[name])
        if counts[name] is None:
            counts[name] = missing[count_keys[name]] = compute()
    if missing:
        cache.set_many(missing, COUNT_SECONDS)
    return value, counts


def fragment(version: str, parts: tuple, build: Callable[[], tuple[dict, datetime | None]]) -> dict:
    """The cached fragment alone (see `page`)."""
    return page(version, parts, build, {})[0]


def participants_key(campaign_id: int) -> str:
    return f"participants:{campaign_id}"


def remember_participants(campaign_id: int, value: int) -> None:
    """A freshly read participant count (read after a registration committed) replaces the cached one."""
    cache.set("campaigns:count:" + participants_key(campaign_id), value, COUNT_SECONDS)


def branch_participants_key(campaign_id: int, library_id: int) -> str:
    return f"branch:{campaign_id}:{library_id}"


def forget_branch_participants(campaign_id: int, library) -> None:
    """A registration at `library` changes the counts of its branch page and every ancestor's."""
    codes = [code for code in library.path.split("/") if code]
    ids = Library.objects.filter(code__in=codes).values_list("pk", flat=True)
    cache.delete_many(["campaigns:count:" + branch_participants_key(campaign_id, pk) for pk in ids])
