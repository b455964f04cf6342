"""Live counters over WebSockets: re-read on connect, refreshed periodically, scoped."""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connections

from reports.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(path, user):
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    comm.scope["user"] = user
    return comm


@pytest.mark.asyncio
async def test_counters_arrive_on_connect_and_refresh(nye, organizer, settings):
    from campaigns.models import Registration

    settings.REPORTS_LIVE_SECONDS = 0.2
    user = await sync_to_async(organizer)(nye.libraries["C-HN-CS"])
    comm = communicator("/ws/reports/c/nye-2027/?library=C-HN-CS", user)
    connected, _ = await comm.connect()
    assert connected
    first = await comm.receive_json_from(timeout=10)
    assert first["headline"]["participations"] == 8 and first["headline"]["registrations"] == 3

    def withdraw():
        Registration.objects.filter(child=nye.children["c2"]).delete()  # a registration withdrawn...

    await sync_to_async(withdraw)()
    update = await comm.receive_json_from(timeout=10)  # ...shows up without reconnecting
    assert update["headline"]["registrations"] == 2
    await comm.disconnect()
    await sync_to_async(connections.close_all)()  # the worker thread's connection (CONN_MAX_AGE on PostgreSQL)


@pytest.mark.asyncio
async def test_out_of_scope_and_anonymous_are_refused(nye, organizer):
    from django.contrib.auth.models import AnonymousUser

    user = await sync_to_async(organizer)(nye.libraries["C-HN-CS"])
    comm = communicator("/ws/reports/c/nye-2027/?library=P-HN", user)
    connected, code = await comm.connect()
    assert not connected and code == 4403
    comm = communicator("/ws/reports/c/nye-2027/", AnonymousUser())
    connected, code = await comm.connect()
    assert not connected and code == 4403
    comm = communicator("/ws/reports/c/nope/", user)
    connected, code = await comm.connect()
    assert not connected and code == 4404
    await sync_to_async(connections.close_all)()


@pytest.mark.django_db
def test_live_counters_are_shared_for_max_age(nye):
    """Many open pages cost one computation per interval: the cache is shared by every worker."""
    from campaigns.models import Registration
    from reports.selectors.figures import live_counters
    from reports.selectors.scope import Scope

    scope = Scope(campaign=nye.campaign, library=nye.libraries["C-HN-CS"])
    assert live_counters(scope, max_age=60)["headline"]["registrations"] == 3
    Registration.objects.filter(child=nye.children["c2"]).delete()
    assert live_counters(scope, max_age=60)["headline"]["registrations"] == 3  # reused within max_age
    assert live_counters(scope)["headline"]["registrations"] == 2  # a fresh read
