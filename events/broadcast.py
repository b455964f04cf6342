"""Live leaderboards: one broadcast per burst of changes, built once, sent over the channel layer.

A finished attempt marks its event's board due (after commit). The first change queues one broadcast
task; changes committed before that task runs are folded into it (a flag in Django's cache, shared by
every web process and the worker; the task clears it before reading the board, so no change is ever
left without a broadcast after it). The task builds the whole board once and sends it to the event's
group, so subscribers never query the database per message — and a consumer re-reads the board when it
connects, so nothing depends on having heard every push.

With the embedded in-memory channel layer a broadcast from the worker would reach no socket: nothing is
queued, and the socket server re-reads the boards being watched instead (events/consumers.py)."""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder

from config.live import layer_is_local
from config.tasks import enqueue

DUE_SECONDS = 30  # if the worker is down, a later change queues the broadcast again after this


def leaderboard_group(event_id: int) -> str:
    return f"quiz-board-{event_id}"


def _due_key(event_id: int) -> str:
    return f"quiz-board-due:{event_id}"


def board_text(payload: dict) -> str:
    """The message every subscriber gets, serialised once (a thousand sockets get the same bytes)."""
    return json.dumps({"type": "board", "board": payload}, ensure_ascii=False, cls=DjangoJSONEncoder)


def leaderboard_changed(event_id: int) -> None:
    """Call after commit when an event's standings changed."""
    if layer_is_local():
        return
    if cache.add(_due_key(event_id), 1, DUE_SECONDS):
        enqueue("events.broadcast.leaderboard_broadcast", event_id)


def leaderboard_broadcast(event_id: int) -> None:
    """The task: send the board as it is now to everyone watching it (idempotent)."""
    from events.models import Event
    from events.selectors import leaderboard_payload

    cache.delete(_due_key(event_id))  # changes committed from now on queue the next broadcast
    event = Event.objects.filter(pk=event_id).first()
    layer = get_channel_layer()
    if event is None or layer is None:
        return
    text = board_text(leaderboard_payload(event))
    async_to_sync(layer.group_send)(leaderboard_group(event_id), {"type": "board.update", "text": text})
