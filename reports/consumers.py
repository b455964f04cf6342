"""Live counters over WebSockets. State is re-read on connect and every few seconds, never only
pushed, so it works with the in-memory channel layer (the worker's writes reach the page through
the database) and after any reconnect."""

import asyncio
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.http import Http404

from config.live import JsonSocket, stop_poller
from reports.selectors.figures import live_counters
from reports.selectors.scope import report_scope


def refresh_seconds() -> float:
    return float(getattr(settings, "REPORTS_LIVE_SECONDS", 10))


class ReportCountersConsumer(JsonSocket):
    async def connect(self):
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["slug"]
        library = (parse_qs(self.scope.get("query_string", b"").decode()).get("library") or [None])[0]
        if user is None or not user.is_authenticated:
            await self.close(code=4403)
            return
        try:
            self.report_scope = await database_sync_to_async(report_scope)(user, slug, library)
        except PermissionError:
            await self.close(code=4403)
            return
        except Http404:
            await self.close(code=4404)
            return
        await self.accept()
        self.last = None
        await self.send_counters(fresh=True)
        self.loop = asyncio.ensure_future(self.refresh_loop())

    async def send_counters(self, *, fresh: bool = False):
        max_age = 0 if fresh else max(refresh_seconds() - 0.5, 0)
        data = await database_sync_to_async(live_counters)(self.report_scope, max_age=max_age)
        comparable = {"headline": data["headline"], "today": data["today"]}
        if comparable != self.last:
            self.last = comparable
            await self.send_json(data)

    async def refresh_loop(self):
        while True:
            await asyncio.sleep(refresh_seconds())
            await self.send_counters()

    async def receive_json(self, content, **kwargs):
        if content.get("refresh"):
            self.last = None
            await self.send_counters(fresh=True)

    async def disconnect(self, code):
        await stop_poller(getattr(self, "loop", None))
