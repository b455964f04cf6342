"""Deliveries from WeChat: each recorded once (retries share its reply), then applied exactly once by the drain.

The drain is the one place that calls wechat/handlers.py; the handlers call the other services
modules, never this one, so the two do not import each other."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.tasks import enqueue
from wechat import handlers
from wechat.models import (
    InboundMessage,
)

log = logging.getLogger(__name__)


def dedup_key(fields: dict) -> str:
    msg_id = fields.get("MsgId") or ""
    if msg_id and fields.get("MsgType") != "event":
        return f"msg:{msg_id}"
    # Result events come from one system sender, possibly several in the same second: the job id
    # (MsgID / publish_id) is part of their key so distinct jobs are never taken for retries.
    info = fields.get("PublishEventInfo")
    job = fields.get("MsgID") or fields.get("MsgId") or (info.get("publish_id", "") if isinstance(info, dict) else "")
    event_key = fields.get("EventKey") if isinstance(fields.get("EventKey"), str) else ""
    return ":".join(["evt", fields.get("FromUserName", ""), str(fields.get("CreateTime", "")),
                     fields.get("Event", ""), event_key, str(job or "")])[:200]


def _inbound_row(fields: dict, key: str, reply: str) -> InboundMessage:
    try:
        created_at = dt.datetime.fromtimestamp(int(fields.get("CreateTime") or 0), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        created_at = timezone.now()
    event_key = fields.get("EventKey")
    return InboundMessage(
        dedup_key=key, openid=str(fields.get("FromUserName", ""))[:64], msg_type=str(fields.get("MsgType", ""))[:20],
        event=str(fields.get("Event", ""))[:60], event_key=event_key[:200] if isinstance(event_key, str) else "",
        content=str(fields.get("Content", ""))[:2000], created_at_wechat=created_at, reply=reply, payload=fields,
    )


def inbound_record(*, fields: dict, reply: str = "") -> tuple[InboundMessage, bool]:
    """Record a delivery once (one INSERT); (message, False) when it is one of WeChat's retries."""
    key = dedup_key(fields)
    try:
        with transaction.atomic():
            message = _inbound_row(fields, key, reply)
            message.save(force_insert=True)
        return message, True
    except IntegrityError:
        return InboundMessage.objects.get(dedup_key=key), False


DRAIN_FLAG = "wechat:inbound-drain-queued"


def inbound_drain_soon() -> None:
    """Make sure one drain task is queued (not one per message: a burst shares it)."""
    from django.core.cache import cache

    if cache.get(DRAIN_FLAG) is None and cache.add(DRAIN_FLAG, 1, 30):
        enqueue("wechat.tasks.inbound_drain")


def inbound_drain(*, limit: int = 500) -> int:
    """Apply the effects of every recorded, unprocessed delivery, each exactly once."""
    from django.core.cache import cache

    cache.delete(DRAIN_FLAG)  # messages recorded from now on queue a new drain
    ids = list(InboundMessage.objects.filter(processed_at__isnull=True).order_by("id").values_list("id", flat=True)[:limit])
    done = 0
    for message_id in ids:
        with transaction.atomic():
            if not InboundMessage.objects.filter(pk=message_id, processed_at__isnull=True).update(processed_at=timezone.now()):
                continue  # another drain took it
            message = InboundMessage.objects.get(pk=message_id)
            try:
                with transaction.atomic():
                    handlers.apply(message.payload)
            except Exception as exc:  # recorded for the admin; one bad message never blocks the rest
                log.exception("wechat inbound %s failed", message_id)
                InboundMessage.objects.filter(pk=message_id).update(error=f"{exc.__class__.__name__}: {exc}"[:2000])
        done += 1
    if len(ids) == limit:
        enqueue("wechat.tasks.inbound_drain")
    return done
