"""WebSockets: live leaderboards and live-mode rooms. Thin: state is read from and written to
the database through selectors and services; the channel layer only carries notifications."""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from config.errors import UserFacingError
from config.live import BAD_MESSAGE, JsonSocket, layer_is_local, poll_seconds, stop_poller
from events import live
from events.broadcast import board_text, leaderboard_group
from events.models import Event, LiveSession

logger = logging.getLogger(__name__)


@database_sync_to_async
def _board(event_id: int) -> dict | None:
    from events.selectors import leaderboard_payload

    event = Event.objects.filter(pk=event_id, kind=Event.Kind.QUIZ).first()
    return leaderboard_payload(event) if event else None


class BoardHub:
    """Per-process fan-out of board updates. Each process joins an event's group once (one
    channel) and hands each update to its local sockets, so a broadcast costs the channel layer
    one message per process instead of one per subscriber (1,000 phones → 1 Redis message)."""

    REFRESH = 600  # seconds: re-join the group well within channels-redis' group_expiry

    def __init__(self):
        self.subscribers: dict[int, set] = {}
        self.relays: dict[int, tuple[str, asyncio.Task, float]] = {}

    async def join(self, event_id: int, consumer) -> None:
        layer = get_channel_layer()
        self.subscribers.setdefault(event_id, set()).add(consumer)
        relay = self.relays.get(event_id)
        if relay is None:
            channel = await layer.new_channel()  # the default prefix: channels-redis reads one key per process
            await layer.group_add(leaderboard_group(event_id), channel)
            task = asyncio.get_running_loop().create_task(self._relay(event_id, channel))
            self.relays[event_id] = (channel, task, time.monotonic())
        elif time.monotonic() - relay[2] > self.REFRESH:
            await layer.group_add(leaderboard_group(event_id), relay[0])
            self.relays[event_id] = (relay[0], relay[1], time.monotonic())

    async def leave(self, event_id: int, consumer) -> None:
        subscribers = self.subscribers.get(event_id, set())
        subscribers.discard(consumer)
        if not subscribers and event_id in self.relays:
            channel, task, _ = self.relays.pop(event_id)
            task.cancel()
            await get_channel_layer().group_discard(leaderboard_group(event_id), channel)

    async def _relay(self, event_id: int, channel: str) -> None:
        """Relay each broadcast. With the in-memory layer, attempts that finish over HTTP (gunicorn) or
        in the worker are not broadcast here: re-read the board whenever a quiet interval passes."""
        layer = get_channel_layer()
        poll = layer_is_local()
        last = await self._board_text(event_id) if poll else None
        while True:
            try:
                message = await (asyncio.wait_for(layer.receive(channel), poll_seconds()) if poll
                                 else layer.receive(channel))
            except TimeoutError:
                text = await self._board_text(event_id)
                if text is not None and text != last:
                    last = text
                    await self._fan_out(event_id, text)
                continue
            if message.get("type") == "board.update":
                last = message["text"]
                await self._fan_out(event_id, message["text"])

    @staticmethod
    async def _board_text(event_id: int) -> str | None:
        board = await _board(event_id)
        # The same bytes events/broadcast.py sends, so an unchanged board is not sent twice.
        return None if board is None else board_text(board)

    async def _fan_out(self, event_id: int, text: str) -> None:
        for consumer in list(self.subscribers.get(event_id, ())):
            try:
                await consumer.send(text_data=text)
            except Exception:  # a socket closing under us: its disconnect cleans up
                logger.debug("board push to a closing socket dropped", exc_info=True)


_hubs: dict[asyncio.AbstractEventLoop, BoardHub] = {}


def board_hub() -> BoardHub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        for stale in [known for known in _hubs if known.is_closed()]:
            del _hubs[stale]
        hub = _hubs[loop] = BoardHub()
    return hub


class LeaderboardConsumer(JsonSocket):
    """ws/events/quiz/<event_id>/board/: the board now (re-read on every connect), then each
    batched update relayed by this process's BoardHub."""

    async def connect(self):
        self.event_id = int(self.scope["url_route"]["kwargs"]["event_id"])
        board = await _board(self.event_id)
        if board is None:
            await self.close(code=4404)
            return
        await self.accept()
        await board_hub().join(self.event_id, self)
        await self.send_json({"type": "board", "board": board})

    async def disconnect(self, code):
        if hasattr(self, "event_id"):
            await board_hub().leave(self.event_id, self)


class LiveConsumer(JsonSocket):
    """ws/events/live/<code>/?player=<token>: host (logged-in host), player (token) or screen."""

    async def connect(self):
        self.code = self.scope["url_route"]["kwargs"]["code"]
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = (query.get("player") or [""])[0]
        found = await self._load(token)
        if found is None:
            await self.close(code=4404)
            return
        await self.channel_layer.group_add(live.live_group(self.code), self.channel_name)
        await self.accept()
        await self._send_state()
        if layer_is_local() and (self.is_host or self.player is None):
            # Phones join and answer over HTTP (other processes): the host and the screen re-read the counts.
            self.poller = asyncio.ensure_future(self._poll_counts())

    async def _poll_counts(self):
        last = None
        while True:
            await asyncio.sleep(poll_seconds())
            counts = await self._answer_count()
            if counts != last:
                await self.send_json(counts)
                last = counts

    @database_sync_to_async
    def _load(self, token: str):
        session = LiveSession.objects.filter(code=self.code).first()
        if session is None:
            return None
        self.session_id = session.pk
        self.player = live.live_player(session, token)
        user = self.scope.get("user")
        self.is_host = bool(user and user.is_authenticated and (user.pk == session.host_id or user.is_superuser))
        return session

    @database_sync_to_async
    def _state(self) -> dict:
        session = LiveSession.objects.select_related("event").get(pk=self.session_id)
        state = live.live_state(session)
        if self.player is not None:
            state["me"] = live.live_player_view(self.player, session)
        state["role"] = "host" if self.is_host else ("player" if self.player else "screen")
        return state

    async def _send_state(self):
        await self.send_json(await self._state())

    async def disconnect(self, code):
        await stop_poller(getattr(self, "poller", None))
        if hasattr(self, "session_id"):
            await self.channel_layer.group_discard(live.live_group(self.code), self.channel_name)

    async def receive_json(self, content, **kwargs):
        action = content.get("action")
        try:
            if action in ("next", "reveal", "finish") and self.is_host:
                await self._host(action)
                await self.channel_layer.group_send(live.live_group(self.code), {"type": "live.changed"})
            elif action == "answer" and self.player is not None:
                await self._answer(int(content.get("index", -1)), str(content.get("choice", "")))
                await self.send_json({"type": "answered", "index": content.get("index")})
                await self.channel_layer.group_send(live.live_group(self.code), {"type": "live.answers"})
            elif action == "state":
                await self._send_state()
            else:
                raise UserFacingError("live_forbidden", "无权执行此操作", "Not allowed", status=403)
        except UserFacingError as exc:
            await self.send_json({"type": "error", **exc.as_dict()})
        except (TypeError, ValueError):  # an object, but an index that is no number
            await self.send_json(BAD_MESSAGE)

    @database_sync_to_async
    def _host(self, action: str):
        session = LiveSession.objects.get(pk=self.session_id)
        user = self.scope["user"]
        {"next": live.live_advance, "reveal": live.live_reveal, "finish": live.live_finish}[action](
            session=session, user=user)

    @database_sync_to_async
    def _answer(self, index: int, choice: str):
        live.live_answer(player=self.player, index=index, choice=choice)

    @database_sync_to_async
    def _answer_count(self) -> dict:
        session = LiveSession.objects.get(pk=self.session_id)
        from events.models import LiveAnswer

        return {"type": "answers", "index": session.current_index,
                "answers": LiveAnswer.objects.filter(player__session=session, index=session.current_index).count(),
                "players": session.players.count()}

    async def live_changed(self, message):
        await self._send_state()

    async def live_answers(self, message):
        if self.is_host or self.player is None:
            await self.send_json(await self._answer_count())
