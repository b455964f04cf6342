"""The callback WeChat calls (/wechat/callback/): URL check, signed messages, passive replies.

Order matters: signature and freshness are checked before anything is parsed or stored (403), XML
with a DTD is refused before parsing (400). Then the reply is decided (reads only) and the message
is recorded with one INSERT whose unique key de-duplicates WeChat's retries; that row is also the
outbox the drain task applies (followers, voice downloads, push results), so the answer never
waits for a write beyond it, nor for WeChat's API."""

import logging
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from wechatpy.replies import TextReply

from config.client_ip import client_ip
from wechat import crypto, handlers
from wechat.services.inbound import inbound_drain_soon, inbound_record

log = logging.getLogger(__name__)

REQUIRED = ("FromUserName", "ToUserName", "MsgType", "CreateTime")
CALLBACK_BUDGET_SECONDS = 4.0  # WeChat gives up after 5 s


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _safe_mode(request: HttpRequest) -> bool:
    return request.GET.get("encrypt_type", "raw") == "aes"


def record_and_reply(fields: dict) -> str:
    """Decide the reply (reads only), record the delivery (one INSERT; its unique key makes a retry get
    the reply recorded the first time) and queue the drain that applies its effects."""
    try:
        reply_text = handlers.reply_for(fields)
    except Exception:
        log.exception("wechat reply failed; answering without content")
        reply_text = ""
    message, first = inbound_record(fields=fields, reply=reply_text)
    if first:
        inbound_drain_soon()  # the effects (writes, API calls) run in the drain task
        return reply_text
    return message.reply


@csrf_exempt
def callback(request: HttpRequest) -> HttpResponse:
    params = request.GET
    token = settings.WECHAT_TOKEN
    if not crypto.signature_valid(token, params.get("signature", ""), params.get("timestamp", ""), params.get("nonce", "")):
        log.warning("wechat callback: bad signature from %s", client_ip(request))
        return _text("invalid signature", 403)
    if request.method == "GET":
        return _text(params.get("echostr", ""))
    if request.method != "POST":
        return _text("method not allowed", 405)
    try:
        crypto.check_fresh(params.get("timestamp", ""))
        body = request.body
        if _safe_mode(request):
            if not settings.WECHAT_ENCODING_AES_KEY:
                raise crypto.CallbackRefused(400, "safe mode is not configured (WECHAT_ENCODING_AES_KEY)")
            body = crypto.decrypt_body(
                body, token=token, aes_key=settings.WECHAT_ENCODING_AES_KEY, app_id=settings.WECHAT_APP_ID,
                msg_signature=params.get("msg_signature", ""), timestamp=params["timestamp"], nonce=params.get("nonce", ""),
            )
        fields = crypto.parse_xml(body)
        missing = [name for name in REQUIRED if not isinstance(fields.get(name), str) or not fields.get(name)]
        if missing:
            raise crypto.CallbackRefused(400, f"missing {', '.join(missing)}")
    except crypto.CallbackRefused as refused:
        log.warning("wechat callback refused (%s): %s", refused.status, refused.reason)
        return _text(refused.reason, refused.status)

    try:
        reply_text = record_and_reply(fields)
    except Exception:
        # Nothing was recorded (or it was and a retry will be de-duplicated): WeChat delivers it
        # again; meanwhile the follower must not see "该公众号暂时无法提供服务".
        log.exception("wechat callback could not record the message")
        return _text("success")
    if not reply_text:
        return _text("success")
    xml = TextReply(source=fields["ToUserName"], target=fields["FromUserName"], content=reply_text,
                    time=int(time.time())).render()
    if _safe_mode(request):
        xml = crypto.encrypt_reply(xml, token=token, aes_key=settings.WECHAT_ENCODING_AES_KEY,
                                   app_id=settings.WECHAT_APP_ID, nonce=params.get("nonce", ""),
                                   timestamp=params["timestamp"])
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")
