"""Django admin scoped by the library federation: an organizer sees, in every admin list, form and
foreign-key choice, only rows that belong to their libraries' subtrees; superusers see everything.

How other apps use it (e.g. submissions/admin.py):

    from campaigns.admin_scoping import ScopedAdmin, ScopedInline, register_scope
    from submissions.models import Entry

    # How a row belongs to a library: a path to a Library field ("child__library"), or a callable
    # (queryset, user) -> queryset for rows that hang off something else. Registering a model also
    # scopes every foreign key pointing at it in every scoped admin form.
    register_scope(Entry, "child__library")

    @admin.register(Entry)
    class EntryAdmin(ScopedAdmin):
        organizer_permissions = ("view", "change")   # what organizers may do inside their subtree
        list_display = (...)

`ScopedAdmin` = `ScopedAdminMixin` + `admin.ModelAdmin`; put the mixin first when combining it with
another ModelAdmin subclass (e.g. `class MyUserAdmin(ScopedAdminMixin, UserAdmin)`). Set
`scope_library_field` on the admin to override the registered scope for that admin only. A model that
is not registered is visible to superusers only. Organizers need `is_staff` and an OrganizerRole; they
get the actions listed in `organizer_permissions` without Django model permissions, and each object
is checked against the scoped queryset (override `organizer_may(request, action, obj)` for finer
rules, e.g. "change only campaigns you lead")."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.db.models import Model, QuerySet

from campaigns.admin_labels import SplitDateTimeLabels
from campaigns.selectors import is_organizer, scope_queryset

ScopeFunction = Callable[[QuerySet, object], QuerySet]


@dataclass(frozen=True)
class Scope:
    library_field: str | None = None
    function: ScopeFunction | None = None
    public: bool = False  # every organizer sees every row (e.g. the poem catalogue)

    def apply(self, qs: QuerySet, user) -> QuerySet:
        if self.public:
            return qs
        if self.function is not None:
            return self.function(qs, user)
        return scope_queryset(qs, user, self.library_field or "")


_scopes: dict[type[Model], Scope] = {}


def register_scope(model: type[Model], library_field: str | None = None, *, function: ScopeFunction | None = None,
                   public: bool = False) -> None:
    """Declare how rows of `model` belong to a library subtree ("" = the model is Library itself)."""
    if library_field is None and function is None and not public:
        raise ValueError("register_scope needs a library_field, a function or public=True")
    _scopes[model] = Scope(library_field=library_field, function=function, public=public)


def scope_of(model: type[Model]) -> Scope | None:
    return _scopes.get(model)


def scoped(qs: QuerySet, user, library_field: str | None = None) -> QuerySet:
    """`qs` limited to what `user` may see: all for superusers, nothing for unknown models."""
    if getattr(user, "is_superuser", False):
        return qs
    if library_field is not None:
        return scope_queryset(qs, user, library_field)
    scope = scope_of(qs.model)
    if scope is None:
        return qs.none()
    return scope.apply(qs, user)


def _is_organizer(request) -> bool:
    if not hasattr(request, "_shuxiang_is_organizer"):
        request._shuxiang_is_organizer = is_organizer(request.user)
    return request._shuxiang_is_organizer


class _ScopedFormfieldsMixin(SplitDateTimeLabels):
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and not request.user.is_superuser:
            related = db_field.remote_field.model
            if scope_of(related) is not None:
                kwargs["queryset"] = scoped(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and not request.user.is_superuser:
            related = db_field.remote_field.model
            if scope_of(related) is not None:
                kwargs["queryset"] = scoped(related._default_manager.all(), request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdminMixin(_ScopedFormfieldsMixin):
    scope_library_field: str | None = None
    organizer_permissions: tuple[str, ...] = ("view",)

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user, self.scope_library_field)

    def organizer_may(self, request, action: str, obj=None) -> bool:
        if obj is None:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def _organizer_allowed(self, request, action: str, obj=None) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if action not in self.organizer_permissions or not _is_organizer(request):
            return False
        return self.organizer_may(request, action, obj)

    def _permitted(self, request, action: str, obj, django_check) -> bool:
        if request.user.is_superuser:
            return django_check()
        if self._organizer_allowed(request, action, obj):
            return True
        # Django model permissions granted by hand still stop at the subtree.
        return django_check() and (obj is None or self.get_queryset(request).filter(pk=obj.pk).exists())

    def has_module_permission(self, request):
        return super().has_module_permission(request) or (request.user.is_staff and _is_organizer(request))

    def has_view_permission(self, request, obj=None):
        return self._permitted(request, "view", obj, lambda: super(ScopedAdminMixin, self).has_view_permission(request, obj)) \
            or self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._permitted(request, "change", obj,
                               lambda: super(ScopedAdminMixin, self).has_change_permission(request, obj))

    def has_add_permission(self, request, *args):
        return self._permitted(request, "add", None,
                               lambda: super(ScopedAdminMixin, self).has_add_permission(request, *args))

    def has_delete_permission(self, request, obj=None):
        return self._permitted(request, "delete", obj,
                               lambda: super(ScopedAdminMixin, self).has_delete_permission(request, obj))


class ScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Ledgers and counters (consent, audit, scores, likes, visits): visible inside the subtree,
    never added, edited or deleted in the admin, by anyone: they change only through services."""

    organizer_permissions: tuple[str, ...] = ("view",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedInline(_ScopedFormfieldsMixin):
    """For inlines: foreign-key choices are scoped; organizers may do what `organizer_permissions`
    lists whenever they may change the parent object (Django checks the parent first)."""

    organizer_permissions: tuple[str, ...] = ("view", "change", "add", "delete")

    def _inline_allowed(self, request, action: str, obj=None) -> bool:
        if not (request.user.is_staff and action in self.organizer_permissions and _is_organizer(request)):
            return False
        if action == "view":
            return True
        parent_admin = self.admin_site._registry.get(self.parent_model)
        return parent_admin is not None and parent_admin.has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return self._inline_allowed(request, "view", obj)

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self._inline_allowed(request, "change", obj)

    def has_add_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_add_permission(request, obj)
        return self._inline_allowed(request, "add", obj)

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return self._inline_allowed(request, "delete", obj)
