"""Visit counting: the daily salt, the visitor hash and the one-INSERT hit record.

Kept apart from services.py because the middleware imports it on every request: it must stay
tiny and never touch anything but the buffer table and the salt."""

import hashlib
import hmac
import logging
import re
import secrets
from datetime import date, datetime

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from config.client_ip import client_ip
from reports.models import VisitHit, VisitSalt

log = logging.getLogger(__name__)

# /c/<slug>/ (campaign page) and /c/<slug>/lib/<code>/ (a library's branch page). Nothing else.
COUNTED_PATH = re.compile(r"^/c/(?P<slug>[-\w]+)/(?:lib/(?P<code>[-\w]+)/)?$")
BOT_UA = re.compile(r"bot|spider|crawl|slurp|headless|preview|monitor|curl|wget|python-requests", re.I)

def salt_for(day: date) -> str:
    """The day's salt; its source of truth is the VisitSalt row, cached in Django's cache (shared by
    every process, so every worker hashes a visitor the same way)."""
    key = f"reports:visit-salt:{day.isoformat()}"
    salt = cache.get(key)
    if not salt:
        try:
            with transaction.atomic():
                salt = VisitSalt.objects.get_or_create(day=day, defaults={"salt": secrets.token_hex(32)})[0].salt
        except IntegrityError:  # another worker created it first
            salt = VisitSalt.objects.get(day=day).salt
        cache.set(key, salt, 60 * 60 * 26)
    return salt


def visitor_hash(*, ip: str, user_agent: str, day: date) -> str:
    return hmac.new(salt_for(day).encode(), f"{ip}|{user_agent}".encode(), hashlib.sha256).hexdigest()[:32]


def counted_page(path: str) -> tuple[str, str] | None:
    """(campaign slug, library code or "") when `path` is a counted page, else None."""
    match = COUNTED_PATH.match(path)
    if not match:
        return None
    return match["slug"], match["code"] or ""


def hit_record(*, slug: str, code: str, ip: str, user_agent: str, at: datetime | None = None) -> None:
    at = at or timezone.now()
    day = timezone.localdate(at)
    VisitHit.objects.create(
        at=at, campaign_slug=slug[:80], library_code=code[:32],
        visitor=visitor_hash(ip=ip, user_agent=user_agent[:512], day=day),
    )


class VisitCountingMiddleware:
    """Counts successful GETs of campaign and branch pages; every other URL passes untouched.

    The page is not slowed: the middleware is sync- and async-capable (no extra thread hop under
    ASGI), costs one regex match per request, and on a counted page only attaches the hit record
    to the response's close(), which the server calls after the last byte has been sent. Writing
    the hit (one INSERT into the buffer) never fails the page."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        response = self.get_response(request)
        self.count_later(request, response)
        return response

    async def __acall__(self, request):
        response = await self.get_response(request)
        self.count_later(request, response)
        return response

    @staticmethod
    def count_later(request, response) -> None:
        if request.method != "GET" or response.status_code != 200:
            return
        page = counted_page(request.path_info)
        if page is None:
            return
        meta = request.META
        user_agent = meta.get("HTTP_USER_AGENT", "")
        if BOT_UA.search(user_agent) or meta.get("HTTP_PURPOSE") == "prefetch":
            return
        at = timezone.now()
        ip = client_ip(request)

        def record() -> None:
            try:
                hit_record(slug=page[0], code=page[1], ip=ip, user_agent=user_agent, at=at)
            except DatabaseError:
                log.exception("visit not counted for %s", request.path_info)

        # Django's own hook for work after the response is sent (HttpResponseBase.close()).
        response._resource_closers.append(record)
