"""Live mode with WebSocket communicators: a host and several players, late join, drop and rejoin."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from events import live
from events.models import OPTION_LETTERS, LiveAnswer, LiveSession, Question
from events.routing import websocket_urlpatterns
from tests.events.conftest import close_db_connections

APP = URLRouter(websocket_urlpatterns)


async def _socket(code, user=None, token=""):
    path = f"/ws/events/live/{code}/" + (f"?player={token}" if token else "")
    communicator = WebsocketCommunicator(APP, path)
    communicator.scope["user"] = user or AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _until(communicator, kind="state", timeout=5):
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


@database_sync_to_async
def _correct_letter(session_id, index):
    session = LiveSession.objects.get(pk=session_id)
    question = Question.objects.get(pk=session.question_ids[index])
    order = session.option_orders[index]
    return "".join(sorted(OPTION_LETTERS[order.index(c)] for c in question.answer))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_host_and_players_play_a_live_quiz(quiz_factory, organizer, tree):
    event = await database_sync_to_async(quiz_factory)({"questions": 3, "draw": []})
    host = await database_sync_to_async(organizer)(tree["C-HN-CS"])
    session = await database_sync_to_async(live.live_open)(event=event, host=host, seconds=20)
    assert len(session.code) == 6 and session.state == "lobby"

    host_ws = await _socket(session.code, user=host)
    assert (await _until(host_ws))["role"] == "host"
    players = {}
    for nickname in ["小明", "小红", "小刚"]:
        player = await database_sync_to_async(live.live_join)(code=session.code, nickname=nickname)
        ws = await _socket(session.code, token=player.token)
        state = await _until(ws)
        assert state["role"] == "player" and state["state"] == "lobby" and state["me"]["nickname"] == nickname
        players[nickname] = (player, ws)

    # The host advances: every phone gets the same question at the same time, without the answer.
    await host_ws.send_json_to({"action": "next"})
    seen = [await _until(ws) for _, ws in players.values()]
    assert {s["state"] for s in seen} == {"question"} and len({s["question"]["stem"] for s in seen}) == 1
    assert all("answer" not in s and "explanation" not in s for s in seen)
    assert [o["letter"] for o in seen[0]["question"]["options"]][:2] == ["A", "B"]

    correct = await _correct_letter(session.pk, 0)
    wrong = next(letter for letter in "ABCD" if letter not in correct)
    await players["小明"][1].send_json_to({"action": "answer", "index": 0, "choice": correct})
    assert (await _until(players["小明"][1], "answered"))["index"] == 0
    await players["小红"][1].send_json_to({"action": "answer", "index": 0, "choice": wrong})
    await _until(players["小红"][1], "answered")
    await players["小明"][1].send_json_to({"action": "answer", "index": 0, "choice": wrong})
    error = await _until(players["小明"][1], "error")
    assert error["code"] == "already_answered"
    counts = await _until(host_ws, "answers")
    assert counts["players"] == 3

    # 小刚 drops, then rejoins with the same link and finds the room where it is.
    await players["小刚"][1].disconnect()
    rejoined = await _socket(session.code, token=players["小刚"][0].token)
    state = await _until(rejoined)
    assert state["state"] == "question" and state["index"] == 0 and state["me"]["answered"] is False
    players["小刚"] = (players["小刚"][0], rejoined)

    # A player who joins late, mid-question, sees the current question.
    late = await database_sync_to_async(live.live_join)(code=session.code, nickname="迟到")
    late_ws = await _socket(session.code, token=late.token)
    state = await _until(late_ws)
    assert state["state"] == "question" and state["question"]["stem"] == seen[0]["question"]["stem"]

    # A player cannot drive the room.
    await players["小红"][1].send_json_to({"action": "next"})
    assert (await _until(players["小红"][1], "error"))["code"] == "live_forbidden"

    # Reveal: the answer and a leaderboard for the big screen; each phone learns its own result.
    await host_ws.send_json_to({"action": "reveal"})
    revealed = await _until(host_ws)
    while revealed["state"] != "reveal":
        revealed = await _until(host_ws)
    assert revealed["answer"] == correct
    assert revealed["leaderboard"][0]["nickname"] == "小明" and revealed["leaderboard"][0]["score"] > 500
    mine = await _until(players["小明"][1])
    while mine["state"] != "reveal":
        mine = await _until(players["小明"][1])
    assert mine["me"]["correct"] is True and mine["me"]["rank"] == 1
    other = await _until(players["小红"][1])
    while other["state"] != "reveal":
        other = await _until(players["小红"][1])
    assert other["me"]["correct"] is False and other["me"]["score"] == 0

    # Answers after the reveal are refused.
    await players["小刚"][1].send_json_to({"action": "answer", "index": 0, "choice": correct})
    assert (await _until(players["小刚"][1], "error"))["code"] == "live_not_current"

    for _ in range(3):  # questions 2 and 3, then the end
        await host_ws.send_json_to({"action": "next"})
    final = await _until(host_ws)
    while final["state"] != "finished":
        final = await _until(host_ws)
    assert final["leaderboard"][0]["nickname"] == "小明"
    assert await database_sync_to_async(LiveAnswer.objects.count)() == 2

    for ws in [host_ws, late_ws, *[w for _, w in players.values()]]:
        await ws.disconnect()
    await close_db_connections()


@pytest.mark.django_db
def test_live_join_rules_and_pages(client, quiz_event, organizer, tree, make_user):
    from config.errors import UserFacingError

    host = organizer(tree["NLC"])
    with pytest.raises(UserFacingError):
        live.live_open(event=quiz_event, host=make_user("parent"))  # not an organizer
    client.force_login(host)
    response = client.post(f"/events/quiz/{quiz_event.pk}/live/new/")
    session = LiveSession.objects.get()
    assert response.url == f"/events/live/{session.code}/host/"
    page = client.get(response.url).content.decode()
    assert session.code in page and "<svg" in page
    from tests.qr_matrix import drawn_modules, modules_of

    svg = page[page.index("<svg"):page.index("</svg>") + 6]  # the code to scan encodes the join link
    assert drawn_modules(svg) == modules_of(f"http://testserver/events/live/?code={session.code}")
    client.logout()
    joined = client.post("/events/live/", {"code": session.code, "nickname": "小明"})
    player = session.players.get()
    assert joined.url == f"/events/live/{session.code}/play/{player.token}/"
    assert client.get(joined.url).status_code == 200
    taken = client.post("/events/live/", {"code": session.code, "nickname": "小明"}).content.decode()
    assert "已被使用" in taken
    assert "房间号不存在" in client.post("/events/live/", {"code": "000000", "nickname": "x"}).content.decode()
    assert client.get(f"/events/live/{session.code}/host/").status_code == 302  # host page needs the host


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_hostile_frames_get_an_error_and_the_socket_stays_open(quiz_factory, organizer, tree):
    """Not JSON, binary, not an object, NaN, numbers past float's range or of 5,000 digits, an index that
    is no number: each is answered with a bilingual error, never a crashed consumer (1011)."""
    event = await database_sync_to_async(quiz_factory)({"questions": 2, "draw": []})
    host = await database_sync_to_async(organizer)(tree["C-HN-CS"])
    session = await database_sync_to_async(live.live_open)(event=event, host=host, seconds=20)
    player = await database_sync_to_async(live.live_join)(code=session.code, nickname="小明")
    ws = await _socket(session.code, token=player.token)
    await _until(ws)
    frames = ["not json", "[1, 2]", "42", '"answer"', "null", '{"action": "answer", "index": NaN}',
              '{"action": "answer", "index": 1e999, "choice": "A"}', '{"action": "answer", "index": -Infinity}',
              '{"action": "answer", "index": ' + "9" * 5000 + ', "choice": "A"}',
              '{"action": "answer", "index": "²", "choice": "A"}', '{"action": "answer", "index": {"a": 1}}',
              '{"action": ["next"]}']
    for frame in frames:
        await ws.send_to(text_data=frame)
        error = await _until(ws, "error")
        assert error["message_zh"] and error["message_en"], frame
    await ws.send_to(bytes_data=b"\x00\x01")
    assert (await _until(ws, "error"))["code"] == "bad_message"
    # Still open and answering.
    await ws.send_json_to({"action": "state"})
    assert (await _until(ws))["state"] == "lobby"
    await ws.disconnect()
    await close_db_connections()
