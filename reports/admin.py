"""Admin for the daily visitor rows, read-only and scoped by library (campaigns/admin_scoping.py).

The visit buffer and the daily salts have no admin: the salt is a secret and the buffer is folded
every minute. Visitor hashes change every day and cannot be linked to a person."""

from django.contrib import admin

from campaigns.admin_scoping import ReadOnlyScopedAdmin, register_scope
from reports.models import VisitorDay

register_scope(VisitorDay, "library")  # rows of the campaign page itself (library empty): superusers only


@admin.register(VisitorDay)
class VisitorDayAdmin(ReadOnlyScopedAdmin):
    list_display = ("day", "campaign", "library", "views")
    list_filter = ("day", "campaign")
    list_select_related = ("campaign", "library")
    date_hierarchy = "day"
