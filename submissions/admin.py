from django.contrib import admin

from submissions.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "child", "library", "kind", "status", "moderation", "channel", "created_at")
    list_filter = ("status", "moderation", "kind", "channel", "event__campaign")
    search_fields = ("child__nickname", "original_sha256", "reason_code")
    raw_id_fields = ("event", "child", "library", "submitted_by", "poem", "replaces", "moderated_by")
    readonly_fields = ("original", "original_sha256", "original_size", "original_name", "playback", "thumbnail",
                       "waveform", "media_info", "attempts", "created_at", "updated_at", "processing_started_at",
                       "processed_at", "idempotency_key")
