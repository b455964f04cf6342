"""The chief judge's live progress. State is re-read from the database on connect and on every
change notice (never only pushed), so a reconnecting page is always right."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from judging.models import Round
from judging.selectors import is_chief, round_progress


@database_sync_to_async
def _load(user, round_id: int):
    round_ = Round.objects.select_related("campaign__lead_library", "panel__chief").filter(pk=round_id).first()
    if round_ is None or not is_chief(user, round_):
        return None
    return round_progress(round_)


class ProgressConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.round_id = int(self.scope["url_route"]["kwargs"]["round_id"])
        state = await _load(self.scope.get("user"), self.round_id)
        if state is None:
            await self.close(code=4403)
            return
        self.group = f"judging-round-{self.round_id}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "progress", **state})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "refresh":
            await self.progress_changed({})

    async def progress_changed(self, event):
        state = await _load(self.scope.get("user"), self.round_id)
        if state is not None:
            await self.send_json({"type": "progress", **state})
