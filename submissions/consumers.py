"""Live processing progress of one entry: ws/entries/<id>/.

The DB is the source of truth. On connect the consumer sends the current state; then it re-reads
the entry every second until it is final (an event raised in the worker never reaches this process
with the in-memory channel layer, DESIGN §4), and also reacts at once to "entry.changed" messages
when a shared channel layer (Redis) carries them."""

import asyncio

from channels.db import database_sync_to_async

from config.live import JsonSocket, stop_poller
from submissions import access, selectors
from submissions.models import Entry

POLL_SECONDS = 1.0
MAX_POLL_SECONDS = 15 * 60


def _load_state(entry_id: int, user) -> dict | None:
    entry = Entry.objects.select_related("event", "child", "library", "poem").filter(pk=entry_id).first()
    if entry is None or not access.can_view_entry(user, entry):
        return None
    return selectors.entry_state(entry, viewer=user)


class EntryProgressConsumer(JsonSocket):
    async def connect(self):
        self.entry_id = int(self.scope["url_route"]["kwargs"]["entry_id"])
        self.user = self.scope.get("user")
        state = await database_sync_to_async(_load_state)(self.entry_id, self.user)
        if state is None:
            await self.close(code=4403)
            return
        self.group = f"entry-{self.entry_id}"
        self.last_sent = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send_state(state)
        self.poller = asyncio.ensure_future(self._poll())

    async def disconnect(self, code):
        await stop_poller(getattr(self, "poller", None))
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _send_state(self, state: dict) -> None:
        key = (state["status"], state["moderation"], state["reason_code"], state["duration_s"])
        if key == self.last_sent:
            return
        self.last_sent = key
        await self.send_json({"type": "entry.state", **state})

    async def _refresh(self) -> dict | None:
        state = await database_sync_to_async(_load_state)(self.entry_id, self.user)
        if state is not None:
            await self._send_state(state)
        return state

    async def _poll(self) -> None:
        waited = 0.0
        while waited < MAX_POLL_SECONDS:
            await asyncio.sleep(POLL_SECONDS)
            waited += POLL_SECONDS
            state = await self._refresh()
            if state is None or state["final"]:
                return

    async def receive_json(self, content, **kwargs):
        # "refresh": a page woke up or reconnected; state is always re-read, never only pushed.
        self.last_sent = None
        await self._refresh()

    async def entry_changed(self, event):
        await self._refresh()
