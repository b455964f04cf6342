"""Request bodies that cannot exhaust memory or disk (docs/deploy.md, "Request size").

Refused from the Content-Length header, before a byte of the body is read (413, bilingual):
- anonymous requests (login, sign-up, the WeChat callback…): REQUEST_BODY_MAX_ANONYMOUS (64 KiB);
- signed-in, not an upload: REQUEST_BODY_MAX (1 MiB); organizers' imports (staff): REQUEST_BODY_MAX_STAFF;
- an entry upload: the event's own `max_bytes` (campaign file) plus room for the form around the file;
  the entries API names its event inside the body, so it gets the largest limit of any event.
A body sent without a Content-Length (chunked) is counted while it is read and refused at the same
limit. Uploads under the limit stream to disk (FILE_UPLOAD_MAX_MEMORY_SIZE) and other fields stay
small (DATA_UPLOAD_MAX_MEMORY_SIZE), so memory stays flat whatever the body.

It is plain Django middleware, so it works the same under WSGI (gunicorn) and ASGI; put the same
ceiling in the proxy (client_max_body_size) so the largest bodies never reach Python at all.
"""

from __future__ import annotations

import re
from io import IOBase

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

FORM_ROOM = 1024 * 1024  # the multipart envelope and the other fields around an uploaded file
SUBMIT_PAGE = re.compile(r"^/entries/event/(\d+)/submit/$")
ENTRIES_API = "/api/v1/submissions/entries"


def _event_limit(event) -> int:
    from submissions.media.limits import kind_for_event, limits_for

    return int(limits_for(kind_for_event(event), event).max_bytes or 0)


def upload_limit(path: str) -> int | None:
    """The body limit of an entry upload at `path`, or None when `path` takes no entry uploads."""
    from events.models import Event
    from submissions.media.limits import DEFAULTS

    match = SUBMIT_PAGE.match(path)
    if match:
        event = Event.objects.filter(pk=int(match.group(1))).first()
        return _event_limit(event) + FORM_ROOM if event is not None else None
    if path.rstrip("/") == ENTRIES_API:
        largest = max(int(limits.max_bytes or 0) for limits in DEFAULTS.values())
        for event in Event.objects.all():
            if event.takes_entries:
                largest = max(largest, _event_limit(event))
        return largest + FORM_ROOM
    return None


def body_limit(request) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return settings.REQUEST_BODY_MAX_ANONYMOUS
    upload = upload_limit(request.path_info) if request.method == "POST" else None
    if upload is not None:
        return upload
    if user.is_staff:
        return settings.REQUEST_BODY_MAX_STAFF
    return settings.REQUEST_BODY_MAX


def smallest_limit() -> int:
    """No body this small is refused, whoever sends it (an upload's limit is ≥ FORM_ROOM)."""
    return min(settings.REQUEST_BODY_MAX_ANONYMOUS, settings.REQUEST_BODY_MAX, settings.REQUEST_BODY_MAX_STAFF,
               FORM_ROOM)


def too_large(limit: int) -> JsonResponse:
    mib = limit / (1024 * 1024)
    size = f"{mib:.0f} MB" if mib >= 1 else f"{limit // 1024} KB"
    response = JsonResponse({
        "code": "body_too_large",
        "message_zh": f"提交的内容太大（上限 {size}）。上传作品请先登录；文件请按活动要求压缩后再试。",
        "message_en": f"The request is too large (limit {size}). Log in to upload an entry; "
                      "shrink the file to the event's limit and try again.",
        "limit_bytes": limit,
    }, status=413, json_dumps_params={"ensure_ascii": False})
    response["Connection"] = "close"  # the unread body is not ours to drain
    return response


class BoundedStream(IOBase):
    """The body of a request without a Content-Length, refused once more than `limit` bytes arrived."""

    def __init__(self, stream, limit: int):
        self._stream, self.limit, self.read_bytes = stream, limit, 0

    def _count(self, data: bytes) -> bytes:
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            raise RequestDataTooBig("request body over the limit")
        return data

    def read(self, size=-1, /):
        size = self.limit + 1 - self.read_bytes if size is None or size < 0 else min(size, self.limit + 1)
        return self._count(self._stream.read(size))

    def readline(self, size=-1, /):
        size = self.limit + 1 - self.read_bytes if size is None or size < 0 else min(size, self.limit + 1)
        return self._count(self._stream.readline(size))


class RequestBodyLimitMiddleware:
    """After AuthenticationMiddleware (the limit depends on who asks), before anything reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A body no larger than every limit (the usual small form or JSON answer) is allowed to anyone,
        # so it does not look up who is asking: token-authenticated hot paths (quiz answers, the
        # WeChat callback) then read no session and no user.
        limit = None
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.strip():
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                return JsonResponse({"code": "bad_content_length", "message_zh": "请求头 Content-Length 无效",
                                     "message_en": "invalid Content-Length header"}, status=400)
            if length > smallest_limit():
                limit = body_limit(request)
                if length > limit:
                    return too_large(limit)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            limit = body_limit(request)
            raw = request.environ.get("wsgi.input") if hasattr(request, "environ") else None
            stream = BoundedStream(raw if raw is not None else request._stream, limit)
            request._stream = stream
        response = self.get_response(request)
        stream = getattr(request, "_stream", None)
        if isinstance(stream, BoundedStream) and stream.read_bytes > stream.limit:
            return too_large(limit)
        return response
