"""Reads of the lowest layer. Scoping lives here: an organizer sees their libraries' subtrees."""

from django.db.models import Q, QuerySet

from campaigns.models import Campaign, Child, ConsentRecord, Library, OrganizerRole, Stage, User


def organizer_roots(user: User) -> list[Library]:
    if not user.is_authenticated:
        return []
    return [role.library for role in OrganizerRole.objects.filter(user=user).select_related("library")]


def subtree_q(roots: list[Library], field: str = "") -> Q:
    """A filter for everything under any of `roots`; `field` is the path to a Library (e.g. "child__library")."""
    prefix = f"{field}__" if field else ""
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(**{f"{prefix}path__startswith": root.path})
    return q


def libraries_visible_to(user: User) -> QuerySet[Library]:
    if user.is_superuser:
        return Library.objects.all()
    return Library.objects.filter(subtree_q(organizer_roots(user)))


def scope_queryset(qs: QuerySet, user: User, library_field: str) -> QuerySet:
    """Limit any queryset to rows whose `library_field` lies in the user's subtrees."""
    if user.is_superuser:
        return qs
    return qs.filter(subtree_q(organizer_roots(user), library_field)).distinct()


def user_can_manage_library(user: User, library: Library) -> bool:
    if user.is_superuser:
        return True
    return any(library.is_within(root) for root in organizer_roots(user))


def is_organizer(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or OrganizerRole.objects.filter(user=user).exists())


def library_subtree(library: Library) -> QuerySet[Library]:
    return Library.objects.filter(path__startswith=library.path)


def campaign_open_stages(campaign: Campaign, at=None) -> list[Stage]:
    return [stage for stage in campaign.stages.all() if stage.is_open(at)]


def campaign_stage_is_open(campaign: Campaign, kind: str, at=None) -> bool:
    return any(stage.kind == kind for stage in campaign_open_stages(campaign, at))


def child_consents(child: Child) -> dict[str, ConsentRecord]:
    """The record in force for each purpose (the newest one), granted or withdrawn."""
    current: dict[str, ConsentRecord] = {}
    for record in child.consents.order_by("recorded_at", "id"):
        current[record.purpose] = record
    return current


def child_has_consent(child: Child, purpose: str) -> bool:
    record = child_consents(child).get(purpose)
    return bool(record and record.granted)


def children_of(user: User) -> QuerySet[Child]:
    return Child.objects.filter(guardian=user).select_related("library")
