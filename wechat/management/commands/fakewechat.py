from django.conf import settings
from django.core.management.base import BaseCommand

from wechat.fake_api.server import serve


class Command(BaseCommand):
    help = "运行模拟微信接口 Run the fake WeChat API on loopback (for the demo and tests)"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--callback", default=f"{settings.SITE_URL}/wechat/callback/",
                            help="where the fake reports job results (MASSSENDJOBFINISH...); '' to disable")

    def handle(self, *args, host, port, callback, **options):
        serve(host, port, settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, callback, settings.WECHAT_TOKEN)
