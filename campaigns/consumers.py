"""WebSocket consumers of the lowest layer: the campaign page's live participant counter.

Updates reach a page two ways: the broadcast sent after a registration commits (instant when the
change happens in a web process, or anywhere with Redis), and a per-process relay that re-reads the
count from the database every LIVE_COUNTER_POLL_SECONDS while anyone in this process watches the
campaign — so a registration made by the task worker also arrives with the in-memory channel layer.
The relay is one query per campaign per process per interval, not per socket."""

import asyncio

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from campaigns.live import participants_group, participants_message
from campaigns.models import Campaign
from config.live import JsonSocket


def poll_seconds() -> float:
    return float(getattr(settings, "LIVE_COUNTER_POLL_SECONDS", 5))


class _Relay:
    """Per-process: campaign id → number of local sockets, and the task polling its count."""

    watchers: dict[int, int] = {}
    tasks: dict[int, asyncio.Task] = {}
    last: dict[int, int] = {}

    @classmethod
    def watch(cls, campaign_id: int, count: int) -> None:
        cls.watchers[campaign_id] = cls.watchers.get(campaign_id, 0) + 1
        cls.last.setdefault(campaign_id, count)
        task = cls.tasks.get(campaign_id)
        if task is None or task.done():
            cls.tasks[campaign_id] = asyncio.get_running_loop().create_task(cls._poll(campaign_id))

    @classmethod
    def unwatch(cls, campaign_id: int) -> None:
        cls.watchers[campaign_id] = cls.watchers.get(campaign_id, 1) - 1
        if cls.watchers[campaign_id] <= 0:
            cls.watchers.pop(campaign_id, None)
            cls.last.pop(campaign_id, None)
            task = cls.tasks.pop(campaign_id, None)
            if task is not None:
                task.cancel()

    @classmethod
    async def _poll(cls, campaign_id: int) -> None:
        layer = get_channel_layer()
        while cls.watchers.get(campaign_id):
            await asyncio.sleep(poll_seconds())
            message = await database_sync_to_async(participants_message)(campaign_id)
            if message["participants"] != cls.last.get(campaign_id):
                cls.last[campaign_id] = message["participants"]
                await layer.group_send(participants_group(campaign_id), message)


class ParticipantsConsumer(JsonSocket):
    """ws/c/<slug>/participants/ — sends {"participants": n} on connect and after every change."""

    campaign_id = None

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
        message = await database_sync_to_async(participants_message)(self.campaign_id)
        await self.send_json(message)
        _Relay.watch(self.campaign_id, message["participants"])

    async def disconnect(self, code):
        if self.campaign_id is not None and getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            _Relay.unwatch(self.campaign_id)

    async def receive_json(self, content, **kwargs):
        # The only message a page sends is "refresh" (e.g. after the tab wakes up).
        await self.send_json(await database_sync_to_async(participants_message)(self.campaign_id))

    async def participants_update(self, event):
        _Relay.last[event["campaign"]] = event["participants"]
        await self.send_json({"type": "participants.update", "campaign": event["campaign"],
                              "participants": event["participants"]})
