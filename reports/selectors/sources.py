"""The other apps' shapes: which models the reports read, once they are migrated."""

from __future__ import annotations

import time

from django.apps import apps
from django.db import connection
from django.db.models import QuerySet

_tables: dict[str, tuple[float, set[str]]] = {}


def _table_names() -> set[str]:
    """The database's tables, re-read at most once a minute: an app's model counts only once migrated."""
    now = time.monotonic()
    cached = _tables.get(connection.alias)
    if cached and now - cached[0] < 60:
        return cached[1]
    names = set(connection.introspection.table_names())
    _tables[connection.alias] = (now, names)
    return names


def migrated_model(app_label: str, *names: str):
    for name in names:
        try:
            model = apps.get_model(app_label, name)
        except LookupError:
            continue
        return model if model._meta.db_table in _table_names() else None
    return None


def has_field(model, field: str) -> bool:
    try:
        model._meta.get_field(field)
        return True
    except Exception:
        return False


def _first_field(model, *names: str) -> str | None:
    return next((n for n in names if has_field(model, n)), None)


def entry_model():
    return migrated_model("submissions", "Entry")


def attempt_model():
    return migrated_model("events", "QuizAttempt")


def quiz_result_model():
    return migrated_model("events", "QuizResult")


def like_model():
    for app_label in ("judging", "submissions"):
        model = migrated_model(app_label, "Like", "EntryLike", "Vote")
        if model is not None and has_field(model, "entry"):
            return model
    return None


def follower_model():
    model = migrated_model("wechat", "Follower")
    return model if model is not None and has_field(model, "library") and has_field(model, "subscribed_at") else None


def live_entries(qs: QuerySet) -> QuerySet:
    """Entries that count as received: not superseded, not withdrawn, not refused by validation."""
    return qs.exclude(status__in=["replaced", "withdrawn", "rejected"])


def sources_available() -> dict[str, bool]:
    return {
        "entries": entry_model() is not None,
        "attempts": attempt_model() is not None,
        "likes": like_model() is not None,
        "followers": follower_model() is not None,
        "judging": migrated_model("judging", "Round") is not None,
        "awards": migrated_model("judging", "Result") is not None,
    }
