"""The chief judge's live progress. State is re-read from the database on connect and on every
change notice (never only pushed), so a reconnecting page is always right. Scores are saved over HTTP:
with the in-memory channel layer their notices cannot reach this process, so it re-reads (config/live.py)."""

import asyncio

from channels.db import database_sync_to_async

from config.live import JsonSocket, layer_is_local, poll_seconds, stop_poller
from judging.models import Round
from judging.selectors import is_chief, round_progress


@database_sync_to_async
def _load(user, round_id: int):
    round_ = Round.objects.select_related("campaign__lead_library", "panel__chief").filter(pk=round_id).first()
    if round_ is None or not is_chief(user, round_):
        return None
    return round_progress(round_)


class ProgressConsumer(JsonSocket):
    async def connect(self):
        self.round_id = int(self.scope["url_route"]["kwargs"]["round_id"])
        state = await _load(self.scope.get("user"), self.round_id)
        if state is None:
            await self.close(code=4403)
            return
        self.group = f"judging-round-{self.round_id}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send(state)
        if layer_is_local():
            self.poller = asyncio.ensure_future(self._poll())

    async def _poll(self):
        while True:
            await asyncio.sleep(poll_seconds())
            state = await _load(self.scope.get("user"), self.round_id)
            if state is not None and state != self.last:
                await self._send(state)

    async def disconnect(self, code):
        await stop_poller(getattr(self, "poller", None))
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "refresh":
            await self.progress_changed({})

    async def progress_changed(self, event):
        state = await _load(self.scope.get("user"), self.round_id)
        if state is not None:
            await self._send(state)

    async def _send(self, state: dict) -> None:
        self.last = state
        await self.send_json({"type": "progress", **state})
