"""Live processing progress over the WebSocket: the state on connect, then changes made by another
process (here: a direct database write, as the worker does) arrive without any channel message."""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile

from submissions.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(entry_id, user):
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/entries/{entry_id}/")
    comm.scope["user"] = user
    return comm


def make_entry(corpus, make_user):
    from submissions.services import entry_submit
    from tests.submissions.conftest import make_contest, make_family, make_tree

    tree = make_tree()
    _, events = make_contest(tree)
    guardian, child = make_family(make_user, tree)
    entry = entry_submit(event=events["recitation"], child=child, poem=events["poem"], channel="web",
                         uploaded_file=ContentFile((corpus / "audio" / "chunxiao.mp3").read_bytes(), name="r.mp3"),
                         idempotency_key="ws", submitted_by=guardian)
    return entry, guardian


@pytest.mark.asyncio
async def test_progress_is_sent_on_connect_and_relayed_from_the_database(corpus, make_user):
    from submissions.services import entry_process

    entry, guardian = await sync_to_async(make_entry)(corpus, make_user)
    comm = communicator(entry.pk, guardian)
    connected, _ = await comm.connect()
    assert connected
    first = await comm.receive_json_from(timeout=10)
    assert first["status"] == "received" and first["final"] is False
    await sync_to_async(entry_process)(entry.pk)  # as the worker would, in another process
    states = []
    while not states or not states[-1]["final"]:
        states.append(await comm.receive_json_from(timeout=10))
    assert states[-1]["status"] == "ready"
    assert states[-1]["playback_url"].startswith("/entries/media/")
    await comm.disconnect()
    # Reconnecting re-reads the state.
    comm = communicator(entry.pk, guardian)
    await comm.connect()
    again = await comm.receive_json_from(timeout=10)
    assert again["status"] == "ready" and again["duration_s"] > 3
    await comm.disconnect()


@pytest.mark.asyncio
async def test_strangers_cannot_watch(corpus, make_user):
    entry, _ = await sync_to_async(make_entry)(corpus, make_user)
    comm = communicator(entry.pk, AnonymousUser())
    connected, code = await comm.connect()
    assert not connected and code == 4403
    stranger = await sync_to_async(make_user)("13911111111", phone="13911111111")
    comm = communicator(entry.pk, stranger)
    connected, code = await comm.connect()
    assert not connected and code == 4403
