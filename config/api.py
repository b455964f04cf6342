"""The JSON API (django-ninja). Each app contributes one router; OpenAPI at /api/v1/openapi.json."""

from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from builder.api import router as builder_router
from campaigns.api import router as campaigns_router
from config.api_contract import document_errors
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
ROUTERS = [campaigns_router, events_router, submissions_router, judging_router, reports_router, builder_router]
document_errors(ROUTERS)  # every status each path can answer, with the one error schema
api.add_router("/campaigns", campaigns_router)
api.add_router("/events", events_router)
api.add_router("/submissions", submissions_router)
api.add_router("/judging", judging_router)
api.add_router("/reports", reports_router)
api.add_router("/builder", builder_router)


@api.exception_handler(ApiError)
def api_error(request: HttpRequest, exc: ApiError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


# Every refusal has the same shape (config/api_contract.py, ErrorOut), whoever raises it.

LOCATIONS = {"query", "path", "body", "form", "file", "header", "cookie"}


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", ()) if str(part) not in LOCATIONS]
    field = loc[-1] if loc else ""
    reason = first.get("msg", "invalid")
    return api.create_response(request, {
        "code": "invalid_input", "field": field or None,
        "message_zh": f"参数 {field} 无效：{reason}" if field else f"请求无效：{reason}",
        "message_en": f"Invalid {field}: {reason}" if field else f"Invalid request: {reason}",
        "errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors],
    }, status=422)


@api.exception_handler(AuthenticationError)
def login_required(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"code": "login_required", "message_zh": "请先登录",
                                         "message_en": "Log in first"}, status=401)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"code": "not_found", "message_zh": "找不到该对象",
                                         "message_en": "Not found"}, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(request, {"code": f"http_{exc.status_code}", "message_zh": str(exc),
                                         "message_en": str(exc)}, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
def unreadable_body(request: HttpRequest, exc: MultiPartParserError):
    """A multipart body that cannot be parsed (no boundary, truncated): the client's fault, in the one error
    shape (Django alone would answer an HTML 400; ninja meets it first, in the CSRF check)."""
    return api.create_response(request, {"code": "unreadable_body", "message_zh": "无法读取请求内容（multipart 格式有误）",
                                         "message_en": "The request body could not be read (malformed multipart)"},
                               status=400)
