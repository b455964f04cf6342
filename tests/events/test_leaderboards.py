import io
from datetime import timedelta

import openpyxl
import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from events import services
from events.models import QuizAttempt, QuizResult
from events.routing import websocket_urlpatterns
from events.selectors import child_rank, individual_board, library_board, library_rank, tree_board
from tests.events.conftest import answer_letter, close_db_connections


def _record(event, child, score, total_ms=60000, ago=10, completed=True):
    now = timezone.now()
    attempt = QuizAttempt.objects.create(event=event, child=child, library=child.library, token=f"t{child.pk}",
                                         local_date=now.date(), started_at=now, deadline=now, question_count=5,
                                         status="finished", score=score, total_time_ms=total_ms,
                                         finished_at=now - timedelta(minutes=ago), answered_count=5 if completed else 2)
    return QuizResult.objects.create(event=event, child=child, library=child.library, best_attempt=attempt,
                                     score=score, total_time_ms=total_ms, finished_at=attempt.finished_at,
                                     completed=completed)


@pytest.fixture
def board(quiz_event, family):
    make = family["child"]
    kids = {
        "a": make("阿一", "C-HN-CS"), "b": make("阿二", "C-HN-CS"), "c": make("阿三", "X-HN-CSX"),
        "d": make("阿四", "P-HE"), "e": make("阿五", "C-HE-SJZ"), "f": make("阿六", "X-HN-CSX"),
    }
    _record(quiz_event, kids["a"], 900)
    _record(quiz_event, kids["b"], 500, completed=False)
    _record(quiz_event, kids["c"], 800)
    _record(quiz_event, kids["d"], 1000)
    _record(quiz_event, kids["e"], 100)
    _record(quiz_event, kids["f"], 600)
    return kids


@pytest.mark.django_db
def test_individual_board_uses_nicknames_and_own_rank_outside_the_top(quiz_event, board):
    rows = individual_board(quiz_event, limit=3)
    assert [r["nickname"] for r in rows] == ["阿四", "阿一", "阿三"]
    assert all("王" not in r["nickname"] for r in rows) and rows[0]["library"] == "河北省图书馆"
    assert child_rank(quiz_event, board["e"])["rank"] == 6  # outside the top 3, still told
    assert child_rank(quiz_event, board["e"])["of"] == 6


@pytest.mark.django_db
def test_library_board_and_tree_roll_up(quiz_event, board, tree):
    libraries = {r["library_code"]: r for r in library_board(quiz_event)}
    assert libraries["C-HN-CS"]["participants"] == 2 and libraries["C-HN-CS"]["average"] == 700.0
    assert libraries["C-HN-CS"]["best"] == 900 and libraries["C-HN-CS"]["completion"] == 0.5
    assert libraries["X-HN-CSX"]["average"] == 700.0
    assert libraries["P-HE"]["rank"] == 1
    assert library_rank(quiz_event, tree["C-HE-SJZ"])["rank"] == 4 == library_rank(quiz_event, tree["C-HE-SJZ"])["of"]
    assert libraries["C-HN-CS"]["rank"] == 2 and libraries["X-HN-CSX"]["rank"] == 3  # tie on average: best decides
    cities = {r["library_code"]: r for r in tree_board(quiz_event, "city")}
    assert cities["C-HN-CS"]["participants"] == 4  # the city library and its county
    assert cities["C-HN-CS"]["average"] == 700.0 and cities["C-HN-CS"]["best"] == 900
    assert set(cities) == {"C-HN-CS", "C-HE-SJZ"}  # the provincial library itself has no city
    provinces = {r["library_code"]: r for r in tree_board(quiz_event, "province")}
    assert provinces["P-HN"]["participants"] == 4 and provinces["P-HE"]["participants"] == 2
    assert provinces["P-HE"]["average"] == 550.0 and provinces["P-HN"]["rank"] == 1


@pytest.mark.django_db
def test_best_attempt_counts(quiz_factory, family):
    event = quiz_factory({"attempts": {"per_day": 5}})
    child = family["child"]("小明", "C-HN-CS")
    scores = []
    for correct in (False, True, False):
        attempt = services.attempt_start(event=event, child=child, user=family["guardian"])
        aq = services.attempt_current_question(attempt=attempt)
        services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq, correct))
        scores.append(services.attempt_finish(attempt=attempt).score)
    result = QuizResult.objects.get(child=child)
    assert result.attempts == 3 and result.score == max(scores) > 0


@pytest.mark.django_db
def test_xlsx_export_for_organizers_only(client, quiz_event, board, make_user):
    assert client.get(f"/events/quiz/{quiz_event.pk}/leaderboard.xlsx").status_code in (302, 403)
    client.force_login(make_user("staffer", is_staff=True))
    response = client.get(f"/events/quiz/{quiz_event.pk}/leaderboard.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["个人 Individuals", "图书馆 Libraries", "市 Cities", "省 Provinces"]
    rows = list(workbook["个人 Individuals"].iter_rows(values_only=True))
    assert rows[1][:3] == (1, "阿四", "河北省图书馆") and len(rows) == 7
    assert not any("王" in str(cell) for row in rows for cell in row)


@pytest.mark.django_db
def test_xlsx_export_never_carries_a_live_formula(client, quiz_event, board, family, make_user):
    from tests.spreadsheets import HOSTILE, assert_no_formulas, xlsx_values

    _record(quiz_event, family["child"](HOSTILE, "C-HN-CS"), 950)
    client.force_login(make_user("staffer", is_staff=True))
    data = client.get(f"/events/quiz/{quiz_event.pk}/leaderboard.xlsx").content
    assert HOSTILE in xlsx_values(data)  # shown as the family typed it
    assert_no_formulas(data)


def _play(event, guardian):
    def play(child):
        attempt = services.attempt_start(event=event, child=child, user=guardian)
        aq = services.attempt_current_question(attempt=attempt)
        services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq))
        services.attempt_finish(attempt=attempt)
    return play


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_live_board_over_websocket_rereads_with_the_in_memory_layer(quiz_factory, family, settings):
    """Attempts finish over HTTP, in gunicorn's processes: with the in-memory layer no push can reach the
    socket server, so its hub re-reads the watched board and sends it when (and only when) it changed."""
    settings.LIVE_POLL_SECONDS = 0.2
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}  # as embedded
    event = await database_sync_to_async(quiz_factory)({"attempts": {"per_day": 5}})
    make = family["child"]
    kids = [await database_sync_to_async(make)(f"孩{i}", "C-HN-CS") for i in range(3)]
    play = _play(event, family["guardian"])
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/events/quiz/{event.pk}/board/")
    connected, _ = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] == "board" and first["board"]["participants"] == 0
    assert await communicator.receive_nothing(timeout=0.6)  # an unchanged board is not sent again

    await database_sync_to_async(play)(kids[0])
    update = await communicator.receive_json_from(timeout=5)
    assert update["board"]["participants"] == 1 and update["board"]["individuals"][0]["nickname"] == "孩0"
    await database_sync_to_async(play)(kids[1])
    await database_sync_to_async(play)(kids[2])
    seen = (await communicator.receive_json_from(timeout=5))["board"]["participants"]
    if seen == 2:  # the two finishes fell into two intervals
        seen = (await communicator.receive_json_from(timeout=5))["board"]["participants"]
    assert seen == 3
    assert await communicator.receive_nothing(timeout=0.6)
    # A reconnecting page re-reads the board at once.
    await communicator.disconnect()
    again = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/events/quiz/{event.pk}/board/")
    await again.connect()
    assert (await again.receive_json_from(timeout=5))["board"]["participants"] == 3
    await again.disconnect()
    await close_db_connections()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_finishes_queues_one_broadcast_that_reaches_the_group(quiz_factory, family, monkeypatch):
    """With a shared layer (Redis), finishes queue one broadcast task per burst; the task clears the flag
    before reading the board, so a finish after it queues the next one."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.core.cache import cache

    from events import broadcast

    cache.clear()
    queued = []
    monkeypatch.setattr(broadcast, "layer_is_local", lambda: False)
    monkeypatch.setattr(broadcast, "enqueue", lambda path, *args: queued.append((path, *args)))
    event = quiz_factory({"attempts": {"per_day": 5}})
    kids = [family["child"](f"孩{i}", "C-HN-CS") for i in range(3)]
    play = _play(event, family["guardian"])
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(broadcast.leaderboard_group(event.pk), channel)

    play(kids[0])
    play(kids[1])
    assert queued == [("events.broadcast.leaderboard_broadcast", event.pk)]
    broadcast.leaderboard_broadcast(event.pk)  # what the worker runs
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "board.update" and '"participants": 2' in message["text"]
    play(kids[2])
    assert len(queued) == 2
    later = async_to_sync(layer.new_channel)()  # a page that joined since
    async_to_sync(layer.group_add)(broadcast.leaderboard_group(event.pk), later)
    broadcast.leaderboard_broadcast(event.pk)
    assert '"participants": 3' in async_to_sync(layer.receive)(later)["text"]
