"""Admin for every model of the lowest layer, scoped by the library federation (see admin_scoping)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.admin_labels import LabelledTabularInline
from campaigns.admin_scoping import (
    ReadOnlyScopedAdmin,
    ScopedAdmin,
    ScopedAdminMixin,
    ScopedInline,
    register_scope,
    scoped,
)
from campaigns.models import (
    AgeGroup,
    AuditEvent,
    Campaign,
    CampaignLibrary,
    Child,
    ConsentRecord,
    Library,
    Notice,
    OrganizerRole,
    Registration,
    Stage,
    User,
)
from campaigns.selectors import campaigns_visible_to, organizer_roots, subtree_q, user_can_manage_campaign


def _campaign_rows(qs, user):
    return qs.filter(pk__in=campaigns_visible_to(user).values("pk"))


def _rows_of_visible_campaigns(qs, user):
    return qs.filter(campaign__in=campaigns_visible_to(user).values("pk"))


def _users(qs, user):
    """Guardians of children in the organizer's subtrees, organizers of it, and themselves."""
    roots = organizer_roots(user)
    return qs.filter(
        Q(pk=user.pk)
        | Q(pk__in=Child.objects.filter(subtree_q(roots, "library")).values("guardian"))
        | Q(pk__in=OrganizerRole.objects.filter(subtree_q(roots, "library")).values("user"))
    )


register_scope(Library, "")
register_scope(Campaign, function=_campaign_rows)
register_scope(Stage, function=_rows_of_visible_campaigns)
register_scope(AgeGroup, function=_rows_of_visible_campaigns)
register_scope(CampaignLibrary, "library")
register_scope(OrganizerRole, "library")
register_scope(Child, "library")
register_scope(ConsentRecord, "child__library")
register_scope(Registration, "library")
register_scope(User, function=_users)
# Notice and AuditEvent stay unregistered: personal notices and the audit log are for superusers only.


@admin.register(Library)
class LibraryAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change")
    list_display = ("name", "code", "level", "province", "parent")
    list_filter = ("level", "province")
    search_fields = ("code", "name", "province")
    # The tree's shape changes only through `manage.py importlibraries` (it keeps the paths right).
    readonly_fields = ("code", "level", "parent", "path")
    fields = ("code", "name", "level", "parent", "province", "path")
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None and request.user.is_superuser else self.readonly_fields

    def has_add_permission(self, request):
        return False  # libraries come from `manage.py importlibraries`

    def has_delete_permission(self, request, obj=None):
        return False


class StageInline(ScopedInline, LabelledTabularInline):
    model = Stage
    extra = 0


class AgeGroupInline(ScopedInline, LabelledTabularInline):
    model = AgeGroup
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change", "add")
    list_display = ("title", "slug", "lead_library", "created_at")
    search_fields = ("slug", "title", "title_en")
    autocomplete_fields = ("lead_library",)
    prepopulated_fields = {"slug": ("title_en",)}
    inlines = [StageInline, AgeGroupInline]
    fields = ("slug", "title", "title_en", "lead_library", "timezone", "theme", "rules", "participation", "config")

    def organizer_may(self, request, action, obj=None):
        if obj is None:
            return True
        if action == "view":
            return super().organizer_may(request, action, obj)
        return user_can_manage_campaign(request.user, obj)


@admin.register(Stage)
class StageAdmin(ScopedAdmin):
    list_display = ("campaign", "kind", "starts_at", "ends_at")
    list_filter = ("kind",)


@admin.register(AgeGroup)
class AgeGroupAdmin(ScopedAdmin):
    list_display = ("campaign", "key", "label", "min_age", "max_age")


@admin.register(CampaignLibrary)
class CampaignLibraryAdmin(ScopedAdmin):
    list_display = ("library", "campaign", "join_code", "joined_at")
    list_filter = ("campaign", "library__level")
    search_fields = ("library__name", "library__code", "join_code")
    autocomplete_fields = ("library",)
    readonly_fields = ("join_code",)
    list_select_related = ("library", "campaign")


@admin.register(OrganizerRole)
class OrganizerRoleAdmin(ScopedAdmin):
    """Organizers grant roles inside their own subtree (e.g. a provincial organizer adds city staff)."""

    organizer_permissions = ("view", "add", "delete")
    list_display = ("user", "library", "granted_at")
    search_fields = ("user__username", "user__phone", "library__name", "library__code")
    autocomplete_fields = ("library",)
    list_select_related = ("user", "library")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Staff accounts without any role yet can be given one, besides those already in scope.
            kwargs["queryset"] = User.objects.filter(
                Q(pk__in=scoped(User.objects.all(), request.user).values("pk"))
                | Q(is_staff=True, organizer_roles__isnull=True)
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ConsentInline(ScopedInline, LabelledTabularInline):
    model = ConsentRecord
    extra = 0
    organizer_permissions = ("view",)
    fields = ("purpose", "granted", "text_version", "recorded_at", "recorded_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # the ledger is written by guardians on their page only

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Child)
class ChildAdmin(ScopedAdmin):
    list_display = ("nickname", "display_name", "birth_year", "library", "guardian", "created_at")
    list_filter = ("birth_year", "library__level")
    search_fields = ("nickname", "display_name", "library__name", "guardian__phone")
    autocomplete_fields = ("library",)
    raw_id_fields = ("guardian",)
    list_select_related = ("library", "guardian")
    inlines = [ConsentInline]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyScopedAdmin):
    """Append-only: nobody edits or deletes a consent record here."""

    list_display = ("child", "purpose", "granted", "text_version", "recorded_at", "recorded_by")
    list_filter = ("purpose", "granted", "text_version")
    search_fields = ("child__nickname",)
    list_select_related = ("child", "recorded_by")


@admin.register(Registration)
class RegistrationAdmin(ScopedAdmin):
    list_display = ("child", "campaign", "library", "created_at")
    list_filter = ("campaign", "library__level")
    search_fields = ("child__nickname", "library__name", "library__code")
    autocomplete_fields = ("library", "child")
    list_select_related = ("child", "campaign", "library")
    date_hierarchy = "created_at"


@admin.register(Notice)
class NoticeAdmin(ScopedAdmin):
    organizer_permissions = ()
    list_display = ("title", "user", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("user",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyScopedAdmin):
    """The audit log is append-only: readable by superusers, never edited."""

    organizer_permissions = ()
    list_display = ("at", "action", "object_type", "object_id", "actor", "campaign")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_id")
    date_hierarchy = "at"


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ("username", "phone", "display_name", "is_staff", "is_active", "date_joined")
    search_fields = ("username", "phone", "display_name")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("书香 Shuxiang"), {"fields": ("phone", "display_name")}),
    )
