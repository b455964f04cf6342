"""The JSON API (django-ninja). Each app contributes one router; OpenAPI at /api/v1/openapi.json."""

from django.http import HttpRequest
from ninja import NinjaAPI

from builder.api import router as builder_router
from campaigns.api import router as campaigns_router
from config.errors import ApiError
from events.api import router as events_router
from judging.api import router as judging_router
from reports.api import router as reports_router
from submissions.api import router as submissions_router

api = NinjaAPI(
    title="书香 Shuxiang API",
    version="1",
    description="Campaigns, entries, quizzes, judging and reports. Errors are JSON: "
    '{"code": "...", "message_zh": "...", "message_en": "..."}',
    urls_namespace="api",
)
api.add_router("/campaigns", campaigns_router)
api.add_router("/events", events_router)
api.add_router("/submissions", submissions_router)
api.add_router("/judging", judging_router)
api.add_router("/reports", reports_router)
api.add_router("/builder", builder_router)


@api.exception_handler(ApiError)
def api_error(request: HttpRequest, exc: ApiError):
    return api.create_response(request, exc.as_dict(), status=exc.status)
