"""Content-Security-Policy for HTML pages (Django 5.2 has none built in).

Scripts and stylesheets come from this site; the few inline <script>/<style> blocks carry the
per-request nonce (`nonce="{{ request.csp_nonce }}"`); inline on…="" handlers are not run (static/js/site.js
does their work). style="" attributes stay allowed (style-src-attr): they cannot run code. Media
responses set their own stricter policy (sandboxed), which is kept.
"""

import secrets

from django.conf import settings

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self'{sockets}; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def socket_sources() -> str:
    """The WebSocket server when it is another origin (WS_ORIGIN, docs/deploy.md): pages connect to it."""
    origin = getattr(settings, "WS_ORIGIN", "")
    if not origin:
        return ""
    ws = origin.replace("https://", "wss://").replace("http://", "ws://")
    return f" {origin} {ws}"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and response.get("Content-Type", "").startswith("text/html"):
            response["Content-Security-Policy"] = POLICY.format(nonce=request.csp_nonce, sockets=socket_sources())
        return response
