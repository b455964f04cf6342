from django.contrib import admin

from judging.models import Appeal, Assignment, Certificate, Discrepancy, Judge, Like, Panel, Result, Round


@admin.register(Judge)
class JudgeAdmin(admin.ModelAdmin):
    list_display = ("user", "library", "capacity", "active")
    list_filter = ("active",)
    search_fields = ("user__username", "user__display_name", "library__code")
    raw_id_fields = ("user", "library")


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ("name", "campaign", "chief")
    filter_horizontal = ("judges",)


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("title", "campaign", "event", "scope", "judges_per_entry", "status")
    list_filter = ("status", "scope")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("id", "round", "entry_id", "judge", "state", "reason", "played_fraction", "too_fast")
    list_filter = ("state", "reason", "too_fast")
    raw_id_fields = ("entry", "judge")


@admin.register(Discrepancy)
class DiscrepancyAdmin(admin.ModelAdmin):
    list_display = ("round", "entry_id", "spread", "status")


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ("entry_id", "day", "source", "flagged", "voided")
    list_filter = ("voided", "flagged", "day")
    readonly_fields = ("voter_hash", "network_hash")


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("round", "scope_key", "rank", "entry_id", "final_score", "award_title", "advanced")
    list_filter = ("round", "advanced")


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ("result", "status", "filed_at")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("code", "child_name", "award_title", "campaign", "revoked")
    search_fields = ("code",)
