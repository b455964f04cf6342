"""Reads of the lowest layer. Scoping lives here: an organizer sees their libraries' subtrees."""

import zoneinfo

from django.db.models import CharField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from campaigns.models import (
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
    # .all() uses a prefetched ledger when the caller prefetched "consents" (the family page does).
    for record in sorted(child.consents.all(), key=lambda r: (r.recorded_at, r.id)):
        current[record.purpose] = record
    return current


def child_has_consent(child: Child, purpose: str) -> bool:
    record = child_consents(child).get(purpose)
    return bool(record and record.granted)


def children_of(user: User) -> QuerySet[Child]:
    return Child.objects.filter(guardian=user).select_related("library")


# --- campaigns and their branches ---------------------------------------------------------------


def campaigns_public(at=None) -> QuerySet[Campaign]:
    """Campaigns shown to the public, newest first: all but drafts (an open draft stage: not yet published)."""
    at = at or timezone.now()
    drafts = Stage.objects.filter(kind=Stage.Kind.DRAFT, starts_at__lte=at).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
    return (Campaign.objects.exclude(pk__in=drafts.values("campaign_id")).select_related("lead_library")
            .prefetch_related("stages").order_by("-created_at"))


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    """An organizer sees campaigns led from, or taken part in by, a library of their subtrees."""
    if user.is_superuser:
        return Campaign.objects.all()
    roots = organizer_roots(user)
    ids = Campaign.objects.filter(subtree_q(roots, "lead_library") | subtree_q(roots, "branches__library"))
    return Campaign.objects.filter(pk__in=ids.values("pk"))


def user_can_manage_campaign(user: User, campaign: Campaign) -> bool:
    return user_can_manage_library(user, campaign.lead_library)


def campaign_reference_year(campaign: Campaign) -> int:
    """The year a child's age is counted in: the year entries open (else the first stage, else now)."""
    stages = list(campaign.stages.all())
    stage = next((s for s in stages if s.kind == Stage.Kind.ENTRIES_OPEN), None) or (stages[0] if stages else None)
    at = stage.starts_at if stage else timezone.now()
    try:
        tz = zoneinfo.ZoneInfo(campaign.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    return at.astimezone(tz).year


def child_age_for(campaign: Campaign, child: Child) -> int:
    return child.age_in(campaign_reference_year(campaign))


def campaign_participant_count(campaign_id: int) -> int:
    """Registered children plus children with an entry or a finished quiz (campaigns/participants.py)."""
    from campaigns.participants import campaign_participant_count as count

    return count(campaign_id)


def branch_of(campaign: Campaign, library_code: str) -> CampaignLibrary | None:
    return (CampaignLibrary.objects.select_related("library", "library__parent")
            .filter(campaign=campaign, library__code=library_code).first())


def branch_by_join_code(join_code: str) -> CampaignLibrary | None:
    return CampaignLibrary.objects.select_related("library", "campaign").filter(join_code=join_code).first()


def campaign_branches(campaign: Campaign) -> QuerySet[CampaignLibrary]:
    return CampaignLibrary.objects.filter(campaign=campaign).select_related("library").order_by("library__path")


def attribution_library(campaign: Campaign, child: Child, joined_library_id: int | None = None) -> Library | None:
    """Whom a registration counts for: the branch the family joined through (its QR code), else the
    child's own library if it takes part, else its nearest ancestor that does."""
    if joined_library_id:
        joined = Library.objects.filter(pk=joined_library_id, branches__campaign=campaign).first()
        if joined is not None:
            return joined
    library = child.library
    codes = [code for code in library.path.split("/") if code]
    if codes and codes[-1] == library.code:
        # The materialised path names every ancestor: one query for those taking part, the nearest wins.
        found = {lib.code: lib for lib in Library.objects.filter(code__in=codes, branches__campaign=campaign)}
        return next((found[code] for code in reversed(codes) if code in found), None)
    taking_part = set(CampaignLibrary.objects.filter(campaign=campaign).values_list("library_id", flat=True))
    while library is not None:
        if library.pk in taking_part:
            return library
        library = library.parent
    return None


def attribution_subquery(campaign: Campaign, path_ref: str = "library__path") -> Subquery:
    """`attribution_library` without a joined branch, as a subquery of an outer row (a child): the id of
    the deepest library taking part in the campaign whose materialised path begins the outer row's
    library path — the library itself or its nearest ancestor taking part (None: none takes part, or the
    library has no path)."""
    return Subquery(Library.objects.filter(branches__campaign=campaign)
                    .annotate(outer_path=ExpressionWrapper(OuterRef(path_ref), output_field=CharField()))
                    .filter(outer_path__startswith=F("path"))
                    .order_by("-path").values("id")[:1])


# --- families -------------------------------------------------------------------------------------


def provinces() -> list[str]:
    """Provinces in the tree's order (the national library's province first)."""
    seen: list[str] = []
    top = Library.objects.filter(level__in=["national", "provincial"]).order_by("path")
    for province in top.values_list("province", flat=True):
        if province and province not in seen:
            seen.append(province)
    others = set(Library.objects.exclude(province="").values_list("province", flat=True).distinct())
    return seen + sorted(others - set(seen))


def libraries_in_province(province: str) -> QuerySet[Library]:
    return Library.objects.filter(province=province).order_by("path")


def child_of(user: User, child_id: int) -> Child | None:
    return children_of(user).filter(pk=child_id).first()


def registrations_of_family(user: User) -> QuerySet[Registration]:
    return (Registration.objects.filter(child__guardian=user)
            .select_related("campaign", "child", "library").order_by("-created_at"))


def notices_of(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user)


def registration_of(campaign: Campaign, child: Child) -> Registration | None:
    return Registration.objects.filter(campaign=campaign, child=child).select_related("library").first()


def _dt(value) -> str | None:
    return value.isoformat() if value else None


def family_export(user: User) -> dict:
    """Everything held about a guardian's family, as JSON-serialisable data (PIPL art. 45)."""
    from campaigns.family_registry import export_sections

    children = list(children_of(user).order_by("id"))
    data = {
        "format": "shuxiang-family-export/1",
        "account": {
            "username": user.username, "phone": user.phone, "display_name": user.display_name,
            "email": user.email, "date_joined": _dt(user.date_joined), "last_login": _dt(user.last_login),
        },
        "children": [
            {
                "id": child.pk, "display_name": child.display_name, "nickname": child.nickname,
                "birth_year": child.birth_year, "library": {"code": child.library.code, "name": child.library.name},
                "created_at": _dt(child.created_at),
                "consents": [
                    {"purpose": r.purpose, "granted": r.granted, "text_version": r.text_version,
                     "recorded_at": _dt(r.recorded_at)}
                    for r in child.consents.order_by("recorded_at", "id")
                ],
            }
            for child in children
        ],
        "registrations": [
            {"campaign": r.campaign.slug, "campaign_title": r.campaign.title, "child_id": r.child_id,
             "library": r.library.code, "created_at": _dt(r.created_at)}
            for r in registrations_of_family(user).order_by("id")
        ],
        "notices": [
            {"kind": n.kind, "title": n.title, "body": n.body, "url": n.url, "created_at": _dt(n.created_at),
             "read_at": _dt(n.read_at)}
            for n in notices_of(user).order_by("id")
        ],
    }
    for key, func in export_sections().items():
        data[key] = func(user)
    return data
