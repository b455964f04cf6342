"""Campaigns API (mounted at /api/v1/campaigns/). Campaign list and detail are public; libraries and
registrations need an organizer's session and are limited to the organizer's library subtrees."""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.security import django_auth

from campaigns import selectors
from campaigns.models import Campaign, Library, Registration
from config.api_contract import BoundedPagination

router = Router(tags=["campaigns"])


class ErrorOut(Schema):
    code: str
    message_zh: str
    message_en: str


class StageOut(Schema):
    kind: str
    starts_at: datetime
    ends_at: datetime | None
    open: bool


class AgeGroupOut(Schema):
    key: str
    label: str
    min_age: int
    max_age: int


class CampaignOut(Schema):
    slug: str
    title: str
    title_en: str
    lead_library: str = Field(..., description="code of the leading library")
    open_stages: list[str]
    participants: int
    url: str


class CampaignDetailOut(CampaignOut):
    theme: str
    rules: str
    timezone: str
    stages: list[StageOut]
    age_groups: list[AgeGroupOut]
    libraries: int = Field(..., description="number of participating libraries")


class LibraryOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    province: str

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class RegistrationOut(Schema):
    id: int
    campaign: str
    child_id: int
    nickname: str
    birth_year: int
    library: str = Field(..., description="code of the library the registration counts for")
    created_at: datetime

    @staticmethod
    def resolve_campaign(obj) -> str:
        return obj.campaign.slug

    @staticmethod
    def resolve_nickname(obj) -> str:
        return obj.child.nickname

    @staticmethod
    def resolve_birth_year(obj) -> int:
        return obj.child.birth_year

    @staticmethod
    def resolve_library(obj) -> str:
        return obj.library.code


def _campaign_out(campaign: Campaign) -> dict:
    now = timezone.now()
    return {
        "slug": campaign.slug, "title": campaign.title, "title_en": campaign.title_en,
        "lead_library": campaign.lead_library.code,
        "open_stages": [s.kind for s in campaign.stages.all() if s.is_open(now)],
        "participants": selectors.campaign_participant_count(campaign.pk),
        "url": f"/c/{campaign.slug}/",
    }


@router.get("/", response=list[CampaignOut], auth=None, summary="Published campaigns")
def campaign_list(request):
    return [_campaign_out(c) for c in selectors.campaigns_public()]


@router.get("/libraries", response=list[LibraryOut], auth=django_auth,
            summary="Libraries in the organizer's subtrees (all for superusers; none for families)")
@paginate(BoundedPagination)
def library_list(request, level: str | None = None, province: str | None = None):
    qs = selectors.libraries_visible_to(request.user).select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if province:
        qs = qs.filter(province=province)
    return qs.order_by("path")


@router.get("/registrations", response=list[RegistrationOut], auth=django_auth,
            summary="Registrations counted for libraries in the organizer's subtrees")
@paginate(BoundedPagination)
def registration_list(request, campaign: str | None = None, library: str | None = None):
    qs = selectors.scope_queryset(Registration.objects.all(), request.user, "library")
    if campaign:
        qs = qs.filter(campaign__slug=campaign)
    if library:
        root = Library.objects.filter(code=library).first()
        qs = qs.filter(library__path__startswith=root.path) if root else qs.none()
    return qs.select_related("campaign", "child", "library").order_by("created_at", "id")


@router.get("/{slug}", response={200: CampaignDetailOut, 404: ErrorOut}, auth=None, summary="One campaign")
def campaign_detail(request, slug: str):
    campaign = get_object_or_404(
        Campaign.objects.select_related("lead_library").prefetch_related("stages", "age_groups"), slug=slug)
    now = timezone.now()
    return {
        **_campaign_out(campaign),
        "theme": campaign.theme, "rules": campaign.rules, "timezone": campaign.timezone,
        "stages": [{"kind": s.kind, "starts_at": s.starts_at, "ends_at": s.ends_at, "open": s.is_open(now)}
                   for s in campaign.stages.all()],
        "age_groups": [{"key": g.key, "label": g.label, "min_age": g.min_age, "max_age": g.max_age}
                       for g in campaign.age_groups.all()],
        "libraries": campaign.branches.count(),
    }
