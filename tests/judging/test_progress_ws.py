"""The chief judge's progress over WebSocket: state on connect, an update when a judge submits."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from judging import services
from judging.models import Assignment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.asyncio
async def test_progress_live(world, organizer):
    round_ = world["round"]
    await sync_to_async(services.round_assign)(round_=round_, actor=None)
    chief = await sync_to_async(organizer)(world["libraries"]["NLC"])
    a = await sync_to_async(lambda: Assignment.objects.select_related("judge__user").first())()

    async def connect(user):
        from judging.consumers import ProgressConsumer

        comm = WebsocketCommunicator(ProgressConsumer.as_asgi(), f"/ws/judging/rounds/{round_.id}/progress/")
        comm.scope["user"] = user  # what AuthMiddlewareStack puts there in config/asgi.py
        comm.scope["url_route"] = {"kwargs": {"round_id": round_.id}}
        return comm

    # A plain judge is refused.
    judge_comm = await connect(a.judge.user)
    connected, code = await judge_comm.connect()
    assert not connected or code == 4403
    comm = await connect(chief)
    connected, _ = await comm.connect()
    assert connected
    first = await comm.receive_json_from(timeout=5)
    assert first["done"] == 0 and first["total"] == 16

    def score():
        Assignment.objects.filter(pk=a.pk).update(opened_at=timezone.now() - timezone.timedelta(seconds=10))
        a.refresh_from_db()
        services.score_record(assignment=a, actor=a.judge.user, submit=True,
                              values={"pronunciation": 7, "rhythm": 7, "emotion": 7, "fluency": 7})

    await sync_to_async(score)()
    update = await comm.receive_json_from(timeout=5)
    assert update["done"] == 1 and update["type"] == "progress"
    await comm.disconnect()
