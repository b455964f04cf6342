"""Elder mode (长辈模式): timed questions get the organizer's extra time (default +100 %), never extra
points; elders are flagged on the leaderboard or ranked apart, as the campaign declares."""

from datetime import timedelta

import pytest
from freezegun import freeze_time

from config.errors import UserFacingError
from events import selectors, services
from events.models import QuizResult
from events.sections import quiz_rules
from tests.events.conftest import answer_letter


def _play(event, family, nickname, *, elder, seconds, now, clock):
    child = family["child"](nickname, "C-HN-CS")
    attempt = services.attempt_start(event=event, child=child, user=family["guardian"], elder=elder)
    for position in range(1, attempt.question_count + 1):
        aq = services.attempt_current_question(attempt=attempt)
        clock.tick(timedelta(seconds=seconds))
        services.attempt_answer(token=attempt.token, position=position, choice=answer_letter(aq))
    attempt.refresh_from_db()
    return child, attempt


@pytest.mark.django_db
def test_elder_gets_double_time_by_default_and_a_late_answer_is_refused_after_it(quiz_event, family):
    assert quiz_rules(quiz_event).elder.extra_time_percent == 100
    with freeze_time("2027-01-27 12:00:00") as clock:
        child = family["child"]("奶奶的孙子", "C-HN-CS")
        attempt = services.attempt_start(event=quiz_event, child=child, user=family["guardian"], elder=True)
        aq = services.attempt_current_question(attempt=attempt)
        assert services.question_seconds_left(aq=aq, attempt=attempt, now=aq.shown_at) == 40  # 20 s + 100 %
        clock.tick(timedelta(seconds=30))  # past the normal 20 s, within the elder's 40 s
        answer = services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq))
        assert answer.correct and answer.points > 0
        aq = services.attempt_current_question(attempt=attempt)
        clock.tick(timedelta(seconds=43))  # 40 s + grace are over
        with pytest.raises(UserFacingError) as info:
            services.attempt_answer(token=attempt.token, position=2, choice=answer_letter(aq))
        assert info.value.code == "answer_late"


@pytest.mark.django_db
def test_organizer_sets_the_extra_and_extra_time_earns_no_extra_points(quiz_factory, family):
    event = quiz_factory({"elder": {"extra_time_percent": 50}})
    with freeze_time("2027-01-27 12:00:00") as clock:
        _, normal = _play(event, family, "小明", elder=False, seconds=4, now=None, clock=clock)
        _, elder = _play(event, family, "小红", elder=True, seconds=6, now=None, clock=clock)  # 6 s / 1.5 = 4 s
    assert normal.score == elder.score == 5 * (100 + (20 - 4) * 30)
    assert elder.deadline - elder.started_at > normal.deadline - normal.started_at


@pytest.mark.django_db
def test_elders_are_flagged_in_the_board_by_default(client, quiz_event, family):
    with freeze_time("2027-01-27 12:00:00") as clock:
        _play(quiz_event, family, "小明", elder=False, seconds=3, now=None, clock=clock)
        _play(quiz_event, family, "外婆", elder=True, seconds=3, now=None, clock=clock)
    board = selectors.leaderboard_payload(quiz_event)
    assert {r["nickname"]: r["elder"] for r in board["individuals"]} == {"小明": False, "外婆": True}
    assert not board["elders_apart"] and board["elders"] == []
    assert QuizResult.objects.get(child__nickname="外婆").elder
    page = client.get(f"/events/quiz/{quiz_event.pk}/leaderboard/").content.decode()
    assert "外婆 <span class=\"elder-flag\">（长辈模式" in page


@pytest.mark.django_db
def test_elders_ranked_apart_when_the_campaign_says_so(client, quiz_factory, family):
    event = quiz_factory({"elder": {"ranking": "separate"}})
    with freeze_time("2027-01-27 12:00:00") as clock:
        young, _ = _play(event, family, "小明", elder=False, seconds=9, now=None, clock=clock)
        elder, _ = _play(event, family, "外婆", elder=True, seconds=2, now=None, clock=clock)
    board = selectors.leaderboard_payload(event)
    assert [r["nickname"] for r in board["individuals"]] == ["小明"]
    assert [r["nickname"] for r in board["elders"]] == ["外婆"]
    assert selectors.child_rank(event, young)["rank"] == 1 and selectors.child_rank(event, elder)["rank"] == 1
    page = client.get(f"/events/quiz/{event.pk}/leaderboard/").content.decode()
    assert "长辈模式榜" in page


@pytest.mark.django_db
def test_the_quiz_page_starts_an_elder_attempt_when_elder_mode_is_on(client, quiz_event, family):
    child = family["child"]("小明", "C-HN-CS")
    client.force_login(family["guardian"])
    client.cookies["elder_mode"] = "1"
    response = client.post(f"/events/quiz/{quiz_event.pk}/start/", {"child": child.pk, "practice": "0"})
    page = client.get(response["Location"]).content.decode()
    assert "长辈模式：每题时间延长 100%，本题共 40 秒" in page
    assert 'role="timer"' in page and "<li class=\"quiz-timer\"" not in page
