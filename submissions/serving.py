"""The one way a child's media file leaves the server, after the caller's access check.

Callers decide who may see which file (submissions/access.py for families, organizers and the
gallery; judging/blind.py for judges); this module only delivers it, one of three ways:

- `MEDIA_ACCEL_REDIRECT` set (env `DJANGO_MEDIA_ACCEL_REDIRECT`, e.g. `/_protected/`), local storage:
  an empty response whose `X-Accel-Redirect` sends nginx to an `internal` location over `MEDIA_ROOT`;
  nginx serves the bytes, byte ranges and sendfile included, and the worker is free at once.
- `MEDIA_S3_REDIRECT` set (env `S3_PRESIGNED_REDIRECT=1`), S3 storage, and the caller allows it:
  a redirect to a presigned URL valid for `MEDIA_S3_REDIRECT_SECONDS`; the bucket serves the ranges.
  The URL carries the object's key (random, naming no one) — the same key for every viewer, so
  judges' media never take this way (a key could be matched with the gallery's).
- otherwise: streamed by Django from the storage, with single byte ranges (the players of iOS and
  the WeChat browser need them to seek).

Every way answers with the same headers: no file name, `nosniff`, a sandboxing CSP, the caller's
cache policy, and `Content-Disposition: attachment` only when asked."""

from __future__ import annotations

import mimetypes
import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _headers(response: HttpResponse, *, cache_control: str, attachment: bool) -> HttpResponse:
    if "Content-Disposition" in response:  # FileResponse would name the storage file
        del response["Content-Disposition"]
    if attachment:
        response["Content-Disposition"] = "attachment"
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(start, end) of a single satisfiable range; None for no (or an unsupported) range; False for
    a range outside the file (416)."""
    match = RANGE.match(header.strip())
    if not match or not (match.group(1) or match.group(2)):
        return None
    if match.group(1):
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
    else:
        start, end = max(0, size - int(match.group(2))), size - 1
    if start > end or start >= size:
        return False
    return start, end


def _streamed(request, name: str, content_type: str) -> HttpResponse:
    size = default_storage.size(name)
    wanted = _byte_range(request.headers.get("Range", ""), size)
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    handle = default_storage.open(name, "rb")
    if wanted is None:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = wanted
        handle.seek(start)

        def chunks(remaining=end - start + 1):
            try:
                while remaining > 0:
                    data = handle.read(min(CHUNK, remaining))
                    if not data:
                        break
                    remaining -= len(data)
                    yield data
            finally:
                handle.close()

        response = StreamingHttpResponse(chunks(), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response


def _is_s3() -> bool:
    return default_storage.__class__.__name__ == "S3Storage"


def protected_media_response(request, name: str, *, cache_control: str, attachment: bool = False,
                             presign: bool = True) -> HttpResponse:
    """Deliver the stored file `name` (already checked by the caller) to this request."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    accel = getattr(settings, "MEDIA_ACCEL_REDIRECT", "")
    if accel and not _is_s3():
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name)
        return _headers(response, cache_control=cache_control, attachment=attachment)
    if presign and getattr(settings, "MEDIA_S3_REDIRECT", False) and _is_s3():
        parameters = {"ResponseContentType": content_type, "ResponseCacheControl": cache_control}
        if attachment:
            parameters["ResponseContentDisposition"] = "attachment"
        url = default_storage.url(name, parameters=parameters, expire=settings.MEDIA_S3_REDIRECT_SECONDS)
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"  # the signed URL itself must not be reused
        response["Referrer-Policy"] = "no-referrer"
        return response
    return _headers(_streamed(request, name, content_type), cache_control=cache_control, attachment=attachment)
