"""Admin for entries, scoped by the library federation: an organizer sees and moderates the entries
of their libraries' subtrees only (see campaigns/admin_scoping.py); superusers see everything."""

from contextvars import ContextVar

from django.contrib import admin
from django.utils.html import format_html

from campaigns.admin_scoping import ScopedAdmin, register_scope
from submissions.access import media_url
from submissions.models import Entry

# The admin user viewing a change page: media links are signed for them (MEDIA_URL is never served).
_viewer: ContextVar = ContextVar("entry_admin_viewer", default=None)


def _media_link(entry: Entry, file: str) -> str:
    field = getattr(entry, file, None)
    if not field:
        return "-"
    url = media_url(entry, file, viewer=_viewer.get())
    if not url:
        return "无权查看 Not permitted"
    # The signed link only: storage names never appear on a page (docs/entries.md).
    return format_html('<a href="{}" target="_blank" rel="noopener">打开 Open</a>', url)

register_scope(Entry, "library")


@admin.register(Entry)
class EntryAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change")
    list_display = ("id", "event", "child", "library", "kind", "status", "moderation", "channel", "created_at")
    list_filter = ("status", "moderation", "kind", "channel", "event__campaign")
    search_fields = ("child__nickname", "original_sha256", "reason_code")
    list_select_related = ("event", "child", "library")
    raw_id_fields = ("event", "child", "library", "submitted_by", "poem", "replaces", "moderated_by")
    exclude = ("original", "playback", "thumbnail")
    readonly_fields = ("original_file", "original_sha256", "original_size", "original_name", "playback_file",
                       "thumbnail_file",
                       "waveform", "media_info", "attempts", "created_at", "updated_at", "processing_started_at",
                       "processed_at", "idempotency_key")

    def has_add_permission(self, request):
        # Entries come in through the upload pages and WeChat (checks, transcoding, consent), never the admin.
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        token = _viewer.set(request.user)
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # the links are signed while the viewer is known
            return response
        finally:
            _viewer.reset(token)

    @admin.display(description="原始文件 Original")
    def original_file(self, obj):
        return _media_link(obj, "original")

    @admin.display(description="播放文件 Playback")
    def playback_file(self, obj):
        return _media_link(obj, "playback")

    @admin.display(description="缩略图 Thumbnail")
    def thumbnail_file(self, obj):
        return _media_link(obj, "thumbnail")
