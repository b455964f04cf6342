"""Login links sent in replies: web OAuth for service accounts, a signed expiring link otherwise.

Subscription accounts (订阅号) have no web OAuth, so the reply carries a link signed with the
site's secret and bound to the follower's openid; it expires after 30 minutes and works once."""

import hashlib
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from wechat.links import absolute

LINK_SALT = "wechat.login-link"
LINK_MAX_AGE = 30 * 60


def account_has_oauth() -> bool:
    return settings.WECHAT_ACCOUNT_TYPE == "service"


def safe_next(target: str | None, default: str = "/family/") -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/"):
        return target
    return default


def login_link(openid: str, next_url: str) -> str:
    parts = urlsplit(next_url)
    next_url = safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    if account_has_oauth():
        return absolute(reverse("wechat:oauth_start") + "?" + urlencode({"next": next_url}))
    token = signing.dumps({"o": openid, "n": next_url}, salt=LINK_SALT, compress=True)
    return absolute(reverse("wechat:login_link", args=[token]))


def login_link_open(token: str) -> tuple[str, str] | None:
    """(openid, next) of a valid, unused link; None when expired, forged or used."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not cache.add(f"wechat:link-used:{hashlib.sha256(token.encode()).hexdigest()}", 1, LINK_MAX_AGE + 60):
        return None
    return data["o"], safe_next(data.get("n"))
