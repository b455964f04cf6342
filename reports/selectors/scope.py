"""Which campaign, and which library's subtree of it, a user may report on."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.http import Http404

from campaigns.models import Campaign, Library, User
from campaigns.selectors import is_organizer, organizer_roots, user_can_manage_library


@dataclass(frozen=True)
class Scope:
    campaign: Campaign
    library: Library | None  # None = the whole campaign

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.campaign.timezone or "Asia/Shanghai")


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    """Campaigns an organizer can report on: those with a branch (or the lead library) in their subtrees."""
    qs = Campaign.objects.select_related("lead_library").prefetch_related("stages")
    if user.is_superuser:
        return qs
    roots = organizer_roots(user)
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(branches__library__path__startswith=root.path) | Q(lead_library__path__startswith=root.path)
    return qs.filter(q).distinct()


def default_library_for(user: User, campaign: Campaign) -> Library | None:
    """Superusers and organizers of a library above the campaign's lead library see it whole."""
    if user.is_superuser:
        return None
    roots = organizer_roots(user)
    if any(root.parent_id is None for root in roots):
        return None
    leading = [root for root in roots if campaign.lead_library.is_within(root)]
    candidates = leading or roots
    return min(candidates, key=lambda lib: (lib.rank, lib.path)) if candidates else None


def report_scope(user: User, slug: str, library_code: str | None) -> Scope:
    """The scope a user asked for, or Http404 (unknown) / PermissionError (not theirs)."""
    if not is_organizer(user):
        raise PermissionError("not an organizer")
    campaign = Campaign.objects.select_related("lead_library").filter(slug=slug).first()
    if campaign is None:
        raise Http404("campaign")
    if library_code:
        library = Library.objects.filter(code=library_code).first()
        if library is None:
            raise Http404("library")
        if not user_can_manage_library(user, library):
            raise PermissionError("library outside the organizer's subtree")
        if library.parent_id is None:  # the root of the federation: the whole campaign
            library = None
    else:
        library = default_library_for(user, campaign)
    if not campaigns_visible_to(user).filter(pk=campaign.pk).exists():
        raise Http404("campaign")
    return Scope(campaign=campaign, library=library)


def scoped_to(qs: QuerySet, scope: Scope, library_field: str, library_ids: set[int]) -> QuerySet:
    if scope.library is None:
        return qs
    return qs.filter(**{f"{library_field}__in": library_ids})
