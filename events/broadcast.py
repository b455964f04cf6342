"""Live leaderboards: batched fan-out over the channel layer.

A finished attempt marks its event's board dirty (after commit). Inside the ASGI server the
broadcast is throttled to at most one per second per event and process: the first change in a
quiet second is sent at once, later ones are folded into one trailing broadcast. Each broadcast
carries the whole board, built once, so subscribers never query the database per message — and
a consumer re-reads the board when it connects, so nothing depends on having heard every push.
Outside the server (task worker, shell) the change is sent at once; with the in-memory layer it
then reaches no one, which is harmless because the board is re-read on connect and by the next
finish in the web process (see docs/quizzes.md)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time

from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder

logger = logging.getLogger(__name__)

MIN_INTERVAL = 1.0
_last_sent: dict[int, float] = {}
_pending: set[int] = set()


def leaderboard_group(event_id: int) -> str:
    return f"quiz-board-{event_id}"


def _payload(event_id: int) -> dict | None:
    from django.db import connection

    from events.models import Event
    from events.selectors import leaderboard_payload

    try:
        event = Event.objects.filter(pk=event_id).first()
        return leaderboard_payload(event) if event else None
    finally:
        connection.close()  # runs in a pool thread: never leave its connection behind


async def _send(event_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    payload = await sync_to_async(_payload, thread_sensitive=False)(event_id)
    if payload is None:
        return
    _last_sent[event_id] = time.monotonic()
    # Serialised once here, not once per subscriber: a thousand sockets get the same bytes.
    text = json.dumps({"type": "board", "board": payload}, ensure_ascii=False, cls=DjangoJSONEncoder)
    await layer.group_send(leaderboard_group(event_id), {"type": "board.update", "text": text})


async def _flush_later(event_id: int, delay: float) -> None:
    try:
        await asyncio.sleep(delay)
        _pending.discard(event_id)
        await _send(event_id)
    except Exception:  # a failed push must never break anything: the board is re-read on connect
        logger.exception("leaderboard broadcast failed for event %s", event_id)
        _pending.discard(event_id)


def _schedule(event_id: int) -> None:
    """Runs in the server's event loop."""
    if event_id in _pending:
        return  # a trailing broadcast is already due and will carry this change too
    since = time.monotonic() - _last_sent.get(event_id, 0.0)
    delay = 0.0 if since >= MIN_INTERVAL else MIN_INTERVAL - since
    _pending.add(event_id)
    asyncio.get_running_loop().create_task(_flush_later(event_id, delay))


def _server_loop():
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    pid = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None)
    if loop is not None and pid == os.getpid() and loop.is_running():
        return loop
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def leaderboard_changed(event_id: int) -> None:
    """Call after commit when an event's standings changed."""
    loop = _server_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_schedule, event_id)
        return
    try:
        async_to_sync(_send)(event_id)
    except Exception:
        logger.exception("leaderboard broadcast failed for event %s", event_id)
