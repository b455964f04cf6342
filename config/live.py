"""Which live updates reach a socket by push, and which must be re-read.

HTTP requests run in gunicorn's processes, tasks in the worker, WebSockets in the ASGI server. With
Redis (channels-redis) a group_send from any of them reaches every socket. The embedded in-memory
layer reaches only the ASGI process itself, so there a consumer whose changes come from HTTP or the
worker re-reads its state from the database every LIVE_POLL_SECONDS while a socket is open (one
query per watched object per interval, not per message), and sends it when it changed."""

import asyncio
import json
import math

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings


def layer_is_local() -> bool:
    return isinstance(get_channel_layer(), InMemoryChannelLayer)


def poll_seconds() -> float:
    return float(getattr(settings, "LIVE_POLL_SECONDS", 1.0))


async def stop_poller(task: asyncio.Task | None) -> None:
    """Cancel a consumer's poller and wait until it has stopped. `asyncio.wait`, not `await task` inside
    suppress(CancelledError): that also swallowed a cancellation of the consumer itself (a server
    shutting down, a disconnect that timed out), which then waited for its next message forever."""
    if task is not None:
        task.cancel()
        await asyncio.wait([task])


BAD_MESSAGE = {"type": "error", "code": "bad_message", "message_zh": "消息格式有误：请发送一个 JSON 对象，数字须为有效数字",
               "message_en": "Malformed message: send one JSON object, with valid numbers"}


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999
        raise ValueError("not a finite number")
    return number


def _refuse(name: str):  # NaN, Infinity, -Infinity: not JSON, though Python's parser takes them
    raise ValueError(f"{name} is not JSON")


class JsonSocket(AsyncJsonWebsocketConsumer):
    """The project's JSON WebSocket. A frame that is not one JSON object (binary, not JSON, a list, a
    bare number, NaN, a number past float's range or of thousands of digits) is answered with a
    bilingual error and the socket stays open; channels' own consumer raised, closing it with 1011
    and logging a server error."""

    @classmethod
    async def decode_json(cls, text_data):
        return json.loads(text_data, parse_float=_finite, parse_constant=_refuse)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = await self.decode_json(text_data) if text_data else None
        except ValueError:  # JSONDecodeError, a refused number, int() past its digit limit
            content = None
        if not isinstance(content, dict):
            await self.send_json(BAD_MESSAGE)
            return
        await self.receive_json(content, **kwargs)
