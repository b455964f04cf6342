from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from wechat.fake_api.server import serve


def default_port() -> int:
    """The port of WECHAT_API_BASE when it points at this machine (the demo's setting), else 8765."""
    parts = urlsplit(settings.WECHAT_API_BASE)
    if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
        return parts.port
    return 8765


class Command(BaseCommand):
    help = "运行模拟微信接口 Run the fake WeChat API on loopback (for the demo and tests)"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=None, help="default: the port of WECHAT_API_BASE, or 8765")
        parser.add_argument("--callback", default=f"{settings.SITE_URL}/wechat/callback/",
                            help="where the fake reports job results (MASSSENDJOBFINISH...); '' to disable")

    def handle(self, *args, host, port, callback, **options):
        serve(host, port or default_port(), settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, callback,
              settings.WECHAT_TOKEN)
