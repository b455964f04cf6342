"""Admin for the daily visitor rows, read-only and scoped by library (campaigns/admin_scoping.py).

The visit buffer and the daily salts have no admin: the salt is a secret and the buffer is folded
every minute. Visitor hashes change every day and cannot be linked to a person."""

from django.contrib import admin

from campaigns.admin_scoping import ScopedAdmin, register_scope
from reports.models import VisitorDay

register_scope(VisitorDay, "library")  # rows of the campaign page itself (library empty): superusers only


@admin.register(VisitorDay)
class VisitorDayAdmin(ScopedAdmin):
    organizer_permissions = ("view",)
    list_display = ("day", "campaign", "library", "views")
    list_filter = ("day", "campaign")
    list_select_related = ("campaign", "library")
    date_hierarchy = "day"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in VisitorDay._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
