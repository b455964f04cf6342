"""WebSocket consumers of the lowest layer: the campaign page's live participant counter."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from campaigns.live import participants_group, participants_message
from campaigns.models import Campaign


class ParticipantsConsumer(AsyncJsonWebsocketConsumer):
    """ws/c/<slug>/participants/ — sends {"participants": n} on connect and after every registration."""

    async def connect(self):
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.campaign_id = await database_sync_to_async(
            lambda: Campaign.objects.filter(slug=slug).values_list("pk", flat=True).first()
        )()
        if self.campaign_id is None:
            await self.close(code=4404)
            return
        self.group = participants_group(self.campaign_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # State is re-read on every (re)connect, never only pushed.
        await self.send_json(await database_sync_to_async(participants_message)(self.campaign_id))

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The only message a page sends is "refresh" (e.g. after the tab wakes up).
        await self.send_json(await database_sync_to_async(participants_message)(self.campaign_id))

    async def participants_update(self, event):
        await self.send_json({"type": "participants.update", "campaign": event["campaign"],
                              "participants": event["participants"]})
