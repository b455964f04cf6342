"""config/live.py: a consumer stopping its poller must still obey its own cancellation."""

import asyncio

import pytest

from config.live import stop_poller


@pytest.mark.asyncio
async def test_a_cancelled_consumer_is_not_held_by_its_poller():
    """A server shutting down (or a disconnect that timed out) cancels the consumer while its
    disconnect() waits for the poller, which is slow to stop (it was mid database call). The
    consumer must end, not swallow the cancellation and wait for a next message forever: that hung
    the suite's event-loop teardown."""
    stopped = asyncio.Event()

    async def poller():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # finishing its database call
            stopped.set()
            raise

    async def consumer(task):
        await stop_poller(task)  # disconnect()
        await asyncio.sleep(3600)  # then waits for its next message

    task = asyncio.ensure_future(poller())
    await asyncio.sleep(0)
    running = asyncio.ensure_future(consumer(task))
    await asyncio.sleep(0.05)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, 2)
    await asyncio.wait_for(stopped.wait(), 2)  # and the poller was stopped, not left running


@pytest.mark.asyncio
async def test_stop_poller_stops_it_and_accepts_none():
    task = asyncio.ensure_future(asyncio.sleep(3600))
    await stop_poller(task)
    assert task.cancelled()
    await stop_poller(None)


def test_every_socket_route_is_a_json_socket():
    """Every consumer behind /ws/ answers a malformed frame with an error (config/live.py JsonSocket)."""
    from config.live import JsonSocket
    from config.routing import websocket_urlpatterns

    consumers = {pattern.callback.consumer_class for pattern in websocket_urlpatterns}
    assert len(consumers) >= 5
    assert all(issubclass(consumer, JsonSocket) for consumer in consumers), consumers
