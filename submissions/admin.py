"""Admin for entries, scoped by the library federation: an organizer sees and moderates the entries
of their libraries' subtrees only (see campaigns/admin_scoping.py); superusers see everything."""

from django.contrib import admin

from campaigns.admin_scoping import ScopedAdmin, register_scope
from submissions.models import Entry

register_scope(Entry, "library")


@admin.register(Entry)
class EntryAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change")
    list_display = ("id", "event", "child", "library", "kind", "status", "moderation", "channel", "created_at")
    list_filter = ("status", "moderation", "kind", "channel", "event__campaign")
    search_fields = ("child__nickname", "original_sha256", "reason_code")
    list_select_related = ("event", "child", "library")
    raw_id_fields = ("event", "child", "library", "submitted_by", "poem", "replaces", "moderated_by")
    readonly_fields = ("original", "original_sha256", "original_size", "original_name", "playback", "thumbnail",
                       "waveform", "media_info", "attempts", "created_at", "updated_at", "processing_started_at",
                       "processed_at", "idempotency_key")

    def has_add_permission(self, request):
        # Entries come in through the upload pages and WeChat (checks, transcoding, consent), never the admin.
        return False
