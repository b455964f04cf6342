"""The entries' part of the retention purge (registered in SubmissionsConfig.ready(); campaigns/retention.py
runs it when the campaign's retention period is over).

Removed: every stored file (original, playback, thumbnail), the entries' processing directories, and the personal content of every entry of the
campaign's events (title, essay text, the file name the family gave, checksum, waveform, probe data,
moderation note). Kept: the entry row itself with its status, kind, library, event, poem and duration,
because judging's scores, results and certificates point at it (aggregate results stay reproducible)."""

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from submissions import workdirs
from submissions.models import Entry

FILE_FIELDS = ("original", "playback", "thumbnail")


def _has_personal_data() -> Q:
    q = Q()
    for field in (*FILE_FIELDS, "title", "text", "original_name", "original_sha256", "moderation_note"):
        q |= ~Q(**{field: ""})
    return q | ~Q(waveform=[]) | ~Q(media_info={})


def purge_campaign_entries(campaign) -> dict:
    """Idempotent: entries already purged are not touched again; files are deleted after commit."""
    entries = Entry.objects.filter(event__campaign=campaign).filter(_has_personal_data())
    names = [name for row in entries.values_list(*FILE_FIELDS) for name in row if name]
    entry_ids = list(Entry.objects.filter(event__campaign=campaign).values_list("pk", flat=True))
    count = entries.update(original="", playback="", thumbnail="", title="", text="", original_name="",
                           original_sha256="", waveform=[], media_info={}, moderation_note="")

    def remove() -> None:
        for name in names:
            default_storage.delete(name)
        workdirs.remove_for_entries(entry_ids)  # a copy a worker may still hold (or a killed one left)

    transaction.on_commit(remove)
    return {"entries": count, "files": len(names)}
