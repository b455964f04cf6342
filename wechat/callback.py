"""The callback WeChat calls (/wechat/callback/): URL check, signed messages, passive replies.

Order matters: signature and freshness are checked before anything is parsed or stored (403), XML
with a DTD is refused before parsing (400). Then the reply is decided (reads only) and the message
is recorded with one INSERT whose unique key de-duplicates WeChat's retries; that row is also the
outbox the drain task applies (followers, voice downloads, push results), so the answer never
waits for a write beyond it, nor for WeChat's API."""

import logging
import queue
import threading
import time
from concurrent.futures import Future

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from wechatpy.replies import TextReply

from wechat import crypto, handlers, selectors
from wechat.services.inbound import inbound_drain_soon, inbound_record_many

log = logging.getLogger(__name__)

REQUIRED = ("FromUserName", "ToUserName", "MsgType", "CreateTime")
CALLBACK_BUDGET_SECONDS = 4.0  # WeChat gives up after 5 s


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _safe_mode(request: HttpRequest) -> bool:
    return request.GET.get("encrypt_type", "raw") == "aes"


def process_batch(batch: list[dict]) -> list[str]:
    """Decide each reply (reads only), record the batch once (one transaction), queue the drain."""
    items = []
    selectors.prefetch_followers([fields["FromUserName"] for fields in batch])
    try:
        for fields in batch:
            try:
                reply_text = handlers.reply_for(fields)
            except Exception:
                log.exception("wechat reply failed; answering without content")
                reply_text = ""
            items.append((fields, reply_text))
    finally:
        selectors.prefetch_clear()
    results = inbound_record_many(items=items)
    if any(first for _, first in results):
        inbound_drain_soon()  # the effects (writes, API calls) run in the drain task
    return [reply for reply, _ in results]


def _with_reconnect(fn, *args):
    try:
        return fn(*args)
    except (OperationalError, InterfaceError):
        connection.close()  # a dropped connection: reconnect once (the work is idempotent)
        return fn(*args)


class CallbackWriter:
    """This process's callback thread: deliveries queue up and are recorded in batches.

    Under ASGI every request runs in a fresh thread and would open (and close) its own database
    connection: several milliseconds on SQLite, and on PostgreSQL one connection per delivery of a
    burst. The writer keeps one connection open and records whatever arrived meanwhile in a single
    transaction (group commit): a burst of deliveries never queues on the database lock."""

    MAX_BATCH = 200

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, fields: dict) -> Future:
        if self.thread is None or not self.thread.is_alive():
            with self.lock:
                if self.thread is None or not self.thread.is_alive():
                    self.thread = threading.Thread(target=self.run, name="wechat-callback-writer", daemon=True)
                    self.thread.start()
        future: Future = Future()
        self.queue.put((fields, future))
        return future

    def run(self) -> None:
        while True:
            batch = [self.queue.get()]
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            try:
                replies = _with_reconnect(process_batch, [fields for fields, _ in batch])
            except Exception as exc:  # noqa: BLE001 - handed to each waiting request
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, future), reply in zip(batch, replies, strict=True):
                future.set_result(reply)


_writer = CallbackWriter()


def record_and_reply(fields: dict) -> str:
    if not getattr(settings, "WECHAT_CALLBACK_THREAD", True):
        return process_batch([fields])[0]
    return _writer.submit(fields).result(timeout=CALLBACK_BUDGET_SECONDS)


@csrf_exempt
def callback(request: HttpRequest) -> HttpResponse:
    params = request.GET
    token = settings.WECHAT_TOKEN
    if not crypto.signature_valid(token, params.get("signature", ""), params.get("timestamp", ""), params.get("nonce", "")):
        log.warning("wechat callback: bad signature from %s", request.META.get("REMOTE_ADDR"))
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
