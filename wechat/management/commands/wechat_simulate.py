"""Send a correctly signed message to the callback, like WeChat does, and print the reply."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wechat import crypto
from wechat.simulator import deliver, message_xml, sign_delivery


class Command(BaseCommand):
    help = "模拟微信推送消息 Send a signed WeChat message (text|voice|subscribe|unsubscribe|click|scan) to the callback"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["text", "voice", "subscribe", "unsubscribe", "click", "scan"])
        parser.add_argument("value", nargs="?", default="",
                            help="text: the message (e.g. 答题); subscribe/scan: scene (e.g. lib-P-HN); click: menu key; "
                                 "voice: media id (default: the fake API's demo voice)")
        parser.add_argument("--openid", default="oDemoGuardian0000000000000001")
        parser.add_argument("--url", default=f"{settings.SITE_URL}/wechat/callback/")
        parser.add_argument("--safe", action="store_true", help="safe mode (AES), needs WECHAT_ENCODING_AES_KEY")
        parser.add_argument("--retries", type=int, default=3, help="WeChat delivers up to 3 times")

    def handle(self, *args, kind, value, openid, url, safe, retries, **options):
        if safe and not settings.WECHAT_ENCODING_AES_KEY:
            raise CommandError("--safe needs WECHAT_ENCODING_AES_KEY")
        xml = message_xml(kind, openid, text=value, key=value, media_id=value if kind == "voice" else "")
        signed = sign_delivery(xml, safe=safe, openid=openid)
        outcomes = deliver(url, signed, attempts=retries)
        for attempt, outcome in enumerate(outcomes, 1):
            if isinstance(outcome, Exception):
                self.stdout.write(f"尝试 attempt {attempt}: {outcome.__class__.__name__}: {outcome}")
                continue
            self.stdout.write(f"尝试 attempt {attempt}: HTTP {outcome.status_code}")
            body = outcome.text
            if safe and body.startswith("<xml>"):
                fields = crypto.parse_xml(body)
                body = crypto.crypto_for(settings.WECHAT_TOKEN, settings.WECHAT_ENCODING_AES_KEY,
                                         settings.WECHAT_APP_ID).decrypt_message(
                    body, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
            if body.startswith("<xml>"):
                reply = crypto.parse_xml(body)
                self.stdout.write("回复 reply:\n" + str(reply.get("Content", "")))
            else:
                self.stdout.write(f"回复 reply: {body!r}")
