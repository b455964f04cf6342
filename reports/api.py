"""The report as JSON, scoped like the page: GET /api/v1/reports/c/{slug}/?library=CODE."""

from django.http import Http404, HttpRequest
from ninja import Router
from ninja.security import django_auth

from campaigns.selectors import is_organizer
from config.errors import ApiError
from reports.selectors.dashboard import dashboard
from reports.selectors.figures import campaign_figures
from reports.selectors.scope import report_scope

router = Router(tags=["reports"], auth=django_auth)  # 401 login_required (config/api.py), documented


@router.get("/c/{slug}/", response=dict, summary="活动统计 The campaign's figures (whole or one library subtree)")
def campaign_report(request: HttpRequest, slug: str, library: str | None = None) -> dict:
    try:
        scope = report_scope(request.user, slug, library)
    except PermissionError as exc:
        raise ApiError("forbidden", "这个图书馆不在您的管理范围内", "This library is outside your libraries",
                       status=403) from exc
    except Http404 as exc:
        raise ApiError("not_found", "没有找到这个活动或图书馆", "No such campaign or library", status=404) from exc
    return campaign_figures(scope)


@router.get("/dashboard/", response=list[dict], summary="组织者首页 The organizer dashboard: campaigns, stage, attention, headline")
def organizer_dashboard(request: HttpRequest) -> list:
    if not is_organizer(request.user):
        raise ApiError("forbidden", "组织者才能查看统计", "Only organizers can see reports", status=403)
    return dashboard(request.user)
