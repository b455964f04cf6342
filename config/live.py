"""Which live updates reach a socket by push, and which must be re-read.

HTTP requests run in gunicorn's processes, tasks in the worker, WebSockets in the ASGI server. With
Redis (channels-redis) a group_send from any of them reaches every socket. The embedded in-memory
layer reaches only the ASGI process itself, so there a consumer whose changes come from HTTP or the
worker re-reads its state from the database every LIVE_POLL_SECONDS while a socket is open (one
query per watched object per interval, not per message), and sends it when it changed."""

import asyncio

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
