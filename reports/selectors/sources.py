"""Rules of the reports' own about the other apps' rows. The reports import the models they read from
the apps that own them (reports is the top layer), so a renamed model or field fails at import, not
silently at run time."""

from __future__ import annotations

from django.db.models import QuerySet

from submissions.models import Entry


def live_entries(qs: QuerySet) -> QuerySet:
    """Entries that count as received: not superseded, not withdrawn, not refused by validation."""
    return qs.exclude(status__in=[Entry.Status.REPLACED, Entry.Status.WITHDRAWN, Entry.Status.REJECTED])


def sources_available() -> dict[str, bool]:
    """Kept in the figures for the API's readers: every source is installed, so all are true."""
    return dict.fromkeys(("entries", "attempts", "likes", "followers", "judging", "awards"), True)
