import json
import re

import pytest

from events.models import AttemptQuestion, Question, QuizAttempt
from tests.events.conftest import answer_letter


@pytest.fixture
def guardian_client(client, family):
    client.force_login(family["guardian"])
    return client


def _start(client, event, child, **extra):
    response = client.post(f"/api/v1/events/quizzes/{event.pk}/attempts",
                           data=json.dumps({"child_id": child.pk, **extra}), content_type="application/json")
    return response


def _assert_no_answer_leak(body: str, attempt: QuizAttempt, answered_positions: set[int]):
    """No answer, correct letter mapping or explanation of an unanswered question in `body`."""
    for aq in AttemptQuestion.objects.filter(attempt=attempt).select_related("question"):
        if aq.position in answered_positions:
            continue
        assert aq.question.explanation not in body
    lowered = body.lower()
    for key in ('"answer"', '"correct_answer"', '"explanation"', '"correct"', "正确答案", "data-correct"):
        assert key not in lowered


@pytest.mark.django_db
def test_api_flow_and_no_response_before_answering_contains_the_answer(guardian_client, quiz_factory, family):
    event = quiz_factory({"explanations": "after_each"})
    child = family["child"]("小明", "C-HN-CS")
    response = _start(guardian_client, event, child)
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    attempt = QuizAttempt.objects.get(token=token)
    _assert_no_answer_leak(response.content.decode(), attempt, set())
    answered = set()
    for position in range(1, 6):
        question = guardian_client.get(f"/api/v1/events/attempts/{token}/question")
        assert question.status_code == 200
        body = question.content.decode()
        _assert_no_answer_leak(body, attempt, answered)
        data = question.json()
        assert set(data) == {"position", "of", "kind", "stem", "options", "image", "seconds_left",
                             "paper_seconds_left"}
        assert data["position"] == position and 19 <= data["seconds_left"] <= 20
        page = guardian_client.get(f"/events/attempt/{token}/")  # the HTML page of the same question
        assert page.status_code == 200 and data["stem"] in page.content.decode()
        _assert_no_answer_leak(page.content.decode(), attempt, answered)
        aq = AttemptQuestion.objects.select_related("question").get(attempt=attempt, position=position)
        answer = guardian_client.post(f"/api/v1/events/attempts/{token}/answers",
                                      data=json.dumps({"position": position, "choice": answer_letter(aq)}),
                                      content_type="application/json")
        assert answer.status_code == 200, answer.content
        assert answer.json()["correct"] is True and answer.json()["correct_answer"] == answer_letter(aq)
        assert answer.json()["explanation"] == aq.question.explanation
        answered.add(position)
    assert answer.json()["finished"] is True
    done = guardian_client.get(f"/api/v1/events/attempts/{token}/question")
    assert done.status_code == 204
    result = guardian_client.get(f"/api/v1/events/attempts/{token}/result").json()
    assert result["rank"] == {"rank": 1, "of": 1} and result["library_rank"] == {"rank": 1, "of": 1}
    assert result["correct_count"] == 5


@pytest.mark.django_db
def test_at_end_explanations_hide_correctness_until_the_result(guardian_client, quiz_factory, family):
    event = quiz_factory({"explanations": "at_end"})
    child = family["child"]("小明", "C-HN-CS")
    token = _start(guardian_client, event, child).json()["token"]
    attempt = QuizAttempt.objects.get(token=token)
    guardian_client.get(f"/api/v1/events/attempts/{token}/question")
    answer = guardian_client.post(f"/api/v1/events/attempts/{token}/answers",
                                  data=json.dumps({"position": 1, "choice": "A"}), content_type="application/json")
    assert "correct" not in answer.json() and "correct_answer" not in answer.json()
    _assert_no_answer_leak(answer.content.decode(), attempt, set())
    page = guardian_client.post(f"/events/attempt/{token}/answer/", {"position": "2", "choice": "B"})
    assert page.status_code == 302  # no feedback page in at_end mode: on to the next question
    guardian_client.get(f"/events/attempt/{token}/")
    follow = guardian_client.post(f"/events/attempt/{token}/answer/", {"position": "2", "choice": "B"}, follow=True)
    _assert_no_answer_leak(follow.content.decode(), attempt, {1, 2})
    result = guardian_client.post(f"/events/attempt/{token}/finish/", follow=True).content.decode()
    first = AttemptQuestion.objects.select_related("question").get(attempt=attempt, position=1)
    assert first.question.explanation in result  # the review at the end shows them


@pytest.mark.django_db
def test_api_errors_are_json_with_reason_codes(guardian_client, client, quiz_event, family):
    child = family["child"]("小明", "C-HN-CS")
    token = _start(guardian_client, quiz_event, child).json()["token"]
    early = guardian_client.post(f"/api/v1/events/attempts/{token}/answers",
                                 data=json.dumps({"position": 2, "choice": "A"}), content_type="application/json")
    assert early.status_code == 409 and early.json()["code"] == "question_not_shown"
    assert early.json()["message_zh"] and early.json()["message_en"]
    guardian_client.get(f"/api/v1/events/attempts/{token}/question")
    bad = guardian_client.post(f"/api/v1/events/attempts/{token}/answers",
                               data=json.dumps({"position": 1, "choice": "Z"}), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_choice"
    ok = guardian_client.post(f"/api/v1/events/attempts/{token}/answers",
                              data=json.dumps({"position": 1, "choice": "A"}), content_type="application/json")
    assert ok.status_code == 200
    twice = guardian_client.post(f"/api/v1/events/attempts/{token}/answers",
                                 data=json.dumps({"position": 1, "choice": "B"}), content_type="application/json")
    assert twice.status_code == 409 and twice.json()["code"] == "already_answered"
    guardian_client.post(f"/api/v1/events/attempts/{token}/finish")
    limit = _start(guardian_client, quiz_event, child)
    assert limit.status_code == 429 and limit.json()["code"] == "quiz_daily_limit"
    missing = guardian_client.get("/api/v1/events/attempts/nope/question")
    assert missing.status_code == 404 and missing.json()["code"] == "attempt_not_found"
    other = family["child"]("别人", "C-HN-CS", user=__import__("campaigns.models").models.User.objects.create(
        username="other"))
    assert _start(guardian_client, quiz_event, other).json()["code"] == "not_your_child"
    anonymous = client.__class__()
    assert anonymous.post(f"/api/v1/events/quizzes/{quiz_event.pk}/attempts", data="{}",
                          content_type="application/json").status_code == 401


@pytest.mark.django_db
def test_openapi_documents_the_quiz_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ["/api/v1/events/quizzes/{event_id}/attempts", "/api/v1/events/attempts/{token}/question",
                 "/api/v1/events/attempts/{token}/answers", "/api/v1/events/attempts/{token}/finish",
                 "/api/v1/events/quizzes/{event_id}/leaderboard"]:
        assert path in paths
    assert "409" in paths["/api/v1/events/attempts/{token}/answers"]["post"]["responses"]


@pytest.mark.django_db
def test_quiz_pages_on_a_phone(guardian_client, quiz_factory, family):
    event = quiz_factory({"explanations": "after_each"})
    child = family["child"]("小明", "C-HN-CS")
    home = guardian_client.get(f"/events/quiz/{event.pk}/").content.decode()
    assert "小明" in home and 'name="child"' in home and "王小明" not in home
    start = guardian_client.post(f"/events/quiz/{event.pk}/start/", {"child": child.pk})
    token = QuizAttempt.objects.get().token
    assert start.url == f"/events/attempt/{token}/"
    page = guardian_client.get(start.url).content.decode()
    assert '<legend>' in page and re.search(r'<label class="quiz-option"><input type="(radio|checkbox)"', page)
    assert 'role="timer"' in page and 'name="viewport"' in page
    aq = AttemptQuestion.objects.select_related("question").get(attempt__token=token, position=1)
    feedback = guardian_client.post(f"/events/attempt/{token}/answer/",
                                    {"position": "1", "choice": list(answer_letter(aq))}).content.decode()
    assert "回答正确" in feedback and aq.question.explanation in feedback
    guardian_client.post(f"/events/attempt/{token}/finish/")
    result = guardian_client.get(f"/events/attempt/{token}/result/").content.decode()
    assert 'id="my-rank"' in result and "第 1 名" in result and 'id="library-rank"' in result
    board = guardian_client.get(f"/events/quiz/{event.pk}/leaderboard/").content.decode()
    assert "小明" in board and "长沙图书馆" in board and "王小明" not in board


@pytest.mark.django_db
def test_practice_page_opens_the_bank(client, quiz_factory):
    event = quiz_factory({"practice": True})
    page = client.get(f"/events/quiz/{event.pk}/practice/").content.decode()
    assert Question.objects.count() == 21 and "简单题 1" in page and "解析简单1" in page
    closed = quiz_factory({"practice": False}, slug="other")
    assert client.get(f"/events/quiz/{closed.pk}/practice/").status_code == 404


@pytest.mark.django_db
def test_the_hot_path_costs_four_queries_a_request(guardian_client, quiz_factory, family, django_assert_max_num_queries):
    """A New Year's Eve burst is question fetches and answers: each is the attempt (or the drawn
    question), the quiz settings as stored now, and one write. No session or user is read: the
    token authenticates and a small body needs no per-user size limit (config/body_limit.py)."""
    event = quiz_factory({"explanations": "after_each"})
    token = _start(guardian_client, event, family["child"]("小明", "C-HN-CS")).json()["token"]
    with django_assert_max_num_queries(4):
        data = guardian_client.get(f"/api/v1/events/attempts/{token}/question").json()
    aq = AttemptQuestion.objects.select_related("question").get(attempt__token=token, position=data["position"])
    with django_assert_max_num_queries(4):  # SELECT, and the INSERT in its transaction
        answer = guardian_client.post(f"/api/v1/events/attempts/{token}/answers",
                                      data=json.dumps({"position": 1, "choice": answer_letter(aq)}),
                                      content_type="application/json")
    assert answer.status_code == 200 and answer.json()["correct"] is True
