"""WebSockets only (/ws/…): live leaderboards, live quizzes, entry progress, judging progress and
counters. Every HTTP request is served by the WSGI server (config/wsgi.py, gunicorn); a proxy routes
/ws/ here and everything else there (docs/deploy.md). An HTTP request that reaches this server anyway
gets a 404 that says where pages live."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
get_asgi_application()  # sets Django up before the consumers are imported

from config.production import refuse_development_defaults  # noqa: E402

refuse_development_defaults()  # no development secrets in production (docs/deploy.md)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402

NOT_HERE = ("此端口只提供 WebSocket（/ws/），网页由 WSGI 服务器提供。\n"
            "This port serves WebSockets (/ws/) only; pages are served by the WSGI server.\n").encode()


async def http_not_here(scope, receive, send):
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": NOT_HERE})


application = ProtocolTypeRouter(
    {
        "http": http_not_here,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
