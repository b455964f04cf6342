"""Admin for judging, scoped by the library federation (campaigns/admin_scoping.py): an organizer sees
the judges of their libraries, the panels and rounds of campaigns they can see, and the assignments,
scores, likes, results and certificates of entries from their subtrees. Scores and likes are read-only
for everyone (they change only through judging/services/, which audits every change)."""

from django.contrib import admin

from campaigns.admin_scoping import ReadOnlyScopedAdmin, ScopedAdmin, register_scope
from campaigns.selectors import campaigns_visible_to
from judging.models import (
    Appeal,
    Assignment,
    Certificate,
    Discrepancy,
    Judge,
    Like,
    Panel,
    Result,
    Round,
    Score,
)


def _rows_of_visible_campaigns(qs, user):
    return qs.filter(campaign__in=campaigns_visible_to(user).values("pk"))


register_scope(Judge, "library")
register_scope(Panel, function=_rows_of_visible_campaigns)
register_scope(Round, function=_rows_of_visible_campaigns)
register_scope(Assignment, "entry__library")
register_scope(Score, "entry__library")
register_scope(Discrepancy, "entry__library")
register_scope(Like, "entry__library")
register_scope(Result, "entry__library")
register_scope(Appeal, "result__entry__library")
register_scope(Certificate, "entry__library")


@admin.register(Judge)
class JudgeAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change", "add")
    list_display = ("user", "library", "capacity", "active")
    list_filter = ("active",)
    search_fields = ("user__username", "user__display_name", "library__code")
    raw_id_fields = ("user", "library")


@admin.register(Panel)
class PanelAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change")
    list_display = ("name", "campaign", "chief")
    filter_horizontal = ("judges",)


@admin.register(Round)
class RoundAdmin(ScopedAdmin):
    list_display = ("title", "campaign", "event", "scope", "judges_per_entry", "status")
    list_filter = ("status", "scope")


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdmin):
    list_display = ("id", "round", "entry_id", "judge", "state", "reason", "played_fraction", "too_fast")
    list_filter = ("state", "reason", "too_fast")
    raw_id_fields = ("entry", "judge")


@admin.register(Discrepancy)
class DiscrepancyAdmin(ScopedAdmin):
    list_display = ("round", "entry_id", "spread", "status")


@admin.register(Like)
class LikeAdmin(ReadOnlyScopedAdmin):
    list_display = ("entry_id", "day", "source", "flagged", "voided")
    list_filter = ("voided", "flagged", "day")


@admin.register(Score)
class ScoreAdmin(ReadOnlyScopedAdmin):
    list_display = ("round", "entry_id", "judge", "criterion", "value", "updated_at")
    list_filter = ("round", "criterion")


@admin.register(Result)
class ResultAdmin(ScopedAdmin):
    list_display = ("round", "scope_key", "rank", "entry_id", "final_score", "award_title", "advanced")
    list_filter = ("round", "advanced")


@admin.register(Appeal)
class AppealAdmin(ScopedAdmin):
    list_display = ("result", "status", "filed_at")


@admin.register(Certificate)
class CertificateAdmin(ScopedAdmin):
    list_display = ("code", "child_name", "award_title", "campaign", "revoked")
    search_fields = ("code",)
