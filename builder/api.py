"""The builder's API (mounted at /api/v1/builder/), so a province can script what its organizers do in the
browser: list, create (from a template, a copy or a YAML file), read and replace the file, check, publish,
clone. An organizer's session is required; scope and validation are the builder's own (builder/services.py).
Refusals are JSON {"code", "message_zh", "message_en"}, with "issues" (line, path, messages) for files."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.security import django_auth

from builder import file_port, selectors, services
from builder.file_port import CampaignFileError
from campaigns.models import Campaign
from campaigns.selectors import is_organizer, user_can_manage_campaign
from config.errors import ApiError

router = Router(tags=["builder"], auth=django_auth)


class IssueOut(Schema):
    line: int
    path: str
    message_zh: str
    message_en: str


class ErrorOut(Schema):
    code: str
    message_zh: str
    message_en: str
    issues: list[IssueOut] = []


class TemplateOut(Schema):
    key: str
    title_zh: str
    title_en: str


class CampaignRowOut(Schema):
    slug: str
    title: str
    lead_library: str
    status: str
    builder_url: str


class CreateIn(Schema):
    slug: str
    title: str
    lead_library: str
    template: str = "blank"
    source: str | None = None  # slug of a campaign to copy instead of a template


class FileIn(Schema):
    yaml: str


class FileOut(Schema):
    slug: str
    yaml: str


class CheckOut(Schema):
    slug: str
    status: str
    issues: list[IssueOut]


class CloneIn(Schema):
    slug: str = ""
    title: str = ""


def _organizer(request) -> None:
    if not is_organizer(request.user):
        raise ApiError("organizer_required", "组织者才能创建和编辑活动", "only organizers can build campaigns", status=403)


def _campaign(request, slug: str) -> Campaign:
    _organizer(request)
    campaign = get_object_or_404(Campaign.objects.select_related("lead_library"), slug=slug)
    if not user_can_manage_campaign(request.user, campaign):
        raise ApiError("campaign_outside_scope", "这个活动不在您的管理范围内", "this campaign is outside your libraries",
                       status=403)
    return campaign


def _issues(issues) -> list[dict]:
    return [{"line": i.line, "path": i.path, "message_zh": i.message_zh, "message_en": i.message_en} for i in issues]


def _refused(error: CampaignFileError) -> ApiError:
    return ApiError("campaign_file_invalid", f"有 {len(error.issues)} 处问题，未保存任何内容",
                    f"{len(error.issues)} problem(s); nothing was saved", issues=_issues(error.issues))


def _row(campaign: Campaign) -> dict:
    return {"slug": campaign.slug, "title": campaign.title, "lead_library": campaign.lead_library.code,
            "status": selectors.campaign_status(campaign), "builder_url": f"/builder/c/{campaign.slug}/basics/"}


@router.get("/templates", response=list[TemplateOut], summary="Templates 新建活动 starts from")
def template_list(request):
    _organizer(request)
    return [{"key": key, "title_zh": zh, "title_en": en} for key, (zh, en, _file) in services.TEMPLATES.items()]


@router.get("/campaigns", response=list[CampaignRowOut], summary="Campaigns the organizer may edit")
def campaign_list(request):
    _organizer(request)
    return [_row(row["campaign"]) for row in selectors.builder_campaigns(request.user)]


@router.post("/campaigns", response={201: CampaignRowOut, 400: ErrorOut, 403: ErrorOut},
             summary="Create a draft from a template or a copy of a campaign")
def campaign_create(request, body: CreateIn):
    _organizer(request)
    lead = next((lib for lib in selectors.lead_choices(request.user) if lib.code == body.lead_library), None)
    if lead is None:
        raise ApiError("lead_outside_scope", f"牵头馆 {body.lead_library} 不是您的图书馆",
                       f"the lead library {body.lead_library} is not one of yours", status=403)
    source = _campaign(request, body.source) if body.source else None
    try:
        campaign = services.builder_create(user=request.user, slug=body.slug, title=body.title, lead=lead,
                                           template=body.template, source=source)
    except CampaignFileError as error:
        raise _refused(error) from None
    return Status(201, _row(campaign))


@router.post("/campaigns/file", response={201: CampaignRowOut, 400: ErrorOut, 403: ErrorOut},
             summary="Create (or update one you manage) from a YAML campaign file")
def campaign_from_file(request, body: FileIn):
    _organizer(request)
    try:
        campaign = services.builder_upload(user=request.user, content=body.yaml.encode())
    except CampaignFileError as error:
        raise _refused(error) from None
    return Status(201, _row(campaign))


@router.get("/campaigns/{slug}/file", response={200: FileOut, 403: ErrorOut}, summary="The campaign as YAML")
def campaign_file(request, slug: str):
    campaign = _campaign(request, slug)
    return {"slug": campaign.slug, "yaml": file_port.export_text(campaign)}


@router.put("/campaigns/{slug}/file", response={200: CampaignRowOut, 400: ErrorOut, 403: ErrorOut},
            summary="Replace the campaign with a YAML file (same validation; refused structural edits once entries exist)")
def campaign_file_replace(request, slug: str, body: FileIn):
    campaign = _campaign(request, slug)
    try:
        campaign = services.builder_upload(user=request.user, content=body.yaml.encode(), campaign=campaign)
    except CampaignFileError as error:
        raise _refused(error) from None
    return _row(campaign)


@router.get("/campaigns/{slug}/check", response={200: CheckOut, 403: ErrorOut},
            summary="Every remaining problem (the review step)")
def campaign_check(request, slug: str):
    campaign = _campaign(request, slug)
    return {"slug": slug, "status": selectors.campaign_status(campaign),
            "issues": _issues(services.review_issues(request.user, campaign))}


@router.post("/campaigns/{slug}/publish", response={200: CampaignRowOut, 400: ErrorOut, 403: ErrorOut},
             summary="Publish: end the draft stage now")
def campaign_publish(request, slug: str):
    campaign = _campaign(request, slug)
    try:
        campaign = services.builder_publish(user=request.user, campaign=campaign)
    except CampaignFileError as error:
        raise _refused(error) from None
    return _row(campaign)


@router.post("/campaigns/{slug}/clone", response={201: CampaignRowOut, 400: ErrorOut, 403: ErrorOut},
             summary="A new draft copy (the way to change a campaign that has entries)")
def campaign_clone(request, slug: str, body: CloneIn):
    campaign = _campaign(request, slug)
    try:
        copy = services.builder_clone(user=request.user, campaign=campaign, slug=body.slug, title=body.title)
    except CampaignFileError as error:
        raise _refused(error) from None
    return Status(201, _row(copy))
