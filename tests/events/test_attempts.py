from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from freezegun import freeze_time

from config.errors import UserFacingError
from events import services
from events.models import AttemptQuestion, QuizAnswer, QuizAttempt, QuizResult
from events.tasks import quiz_close_expired
from tests.events.conftest import answer_letter


def _start(event, family, nickname="小明", code="C-HN-CS", **kw):
    child = family["child"](nickname, code)
    return child, services.attempt_start(event=event, child=child, user=family["guardian"], **kw)


@pytest.mark.django_db
def test_server_times_from_shown_to_received(quiz_event, family):
    with freeze_time("2027-01-27 12:00:00") as clock:
        _, attempt = _start(quiz_event, family)
        clock.tick(timedelta(seconds=30))  # time before the first fetch does not count
        aq = services.attempt_current_question(attempt=attempt)
        assert aq.position == 1 and aq.shown_at == datetime(2027, 1, 27, 12, 0, 30, tzinfo=UTC)
        clock.tick(timedelta(seconds=2))
        again = services.attempt_current_question(attempt=attempt)  # a reload does not restart the clock
        assert again.pk == aq.pk and again.shown_at == aq.shown_at
        clock.tick(timedelta(seconds=5))
        answer = services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq))
        assert answer.time_ms == 7000 and answer.correct
        assert answer.points == 100 + (20 - 7) * 30


@pytest.mark.django_db
def test_late_answers_refused_and_skipped_question_scores_nothing(quiz_event, family):
    with freeze_time("2027-01-27 12:00:00") as clock:
        _, attempt = _start(quiz_event, family)
        aq1 = services.attempt_current_question(attempt=attempt)
        clock.tick(timedelta(seconds=22))  # 20 s + 1.5 s grace
        with pytest.raises(UserFacingError) as info:
            services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq1))
        assert info.value.code == "answer_late"
        aq2 = services.attempt_current_question(attempt=attempt)
        assert aq2.position == 2
        with pytest.raises(UserFacingError) as info:
            services.attempt_answer(token=attempt.token, position=3, choice="A")  # not handed out yet
        assert info.value.code == "question_not_shown"
    assert not QuizAnswer.objects.filter(attempt_question=aq1).exists()


@pytest.mark.django_db
def test_one_answer_per_question_in_the_service_and_the_database(quiz_event, family):
    _, attempt = _start(quiz_event, family)
    aq = services.attempt_current_question(attempt=attempt)
    first = services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq, correct=False))
    with pytest.raises(UserFacingError) as info:
        services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq))
    assert info.value.code == "already_answered"
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizAnswer.objects.create(attempt_question=aq, attempt=attempt, choice="A", correct=True, points=1,
                                  time_ms=1, received_at=first.received_at)
    assert QuizAnswer.objects.get(attempt_question=aq).correct is False


@pytest.mark.django_db
def test_reload_resumes_the_same_attempt_without_redraw(quiz_event, family):
    child, attempt = _start(quiz_event, family)
    drawn = list(AttemptQuestion.objects.filter(attempt=attempt).values_list("question_id", "option_order"))
    aq = services.attempt_current_question(attempt=attempt)
    services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq))
    again = services.attempt_start(event=quiz_event, child=child, user=family["guardian"])
    assert again.pk == attempt.pk
    assert list(AttemptQuestion.objects.filter(attempt=again).values_list("question_id", "option_order")) == drawn
    assert services.attempt_current_question(attempt=again).position == 2
    assert QuizAttempt.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # a second open paper cannot exist
        QuizAttempt.objects.create(event=quiz_event, child=child, library=child.library, token="x",
                                   local_date=attempt.local_date, started_at=attempt.started_at,
                                   deadline=attempt.deadline, question_count=5)


@pytest.mark.django_db
def test_full_attempt_finishes_and_records_the_result(quiz_event, family):
    with freeze_time("2027-01-27 12:00:00") as clock:
        child, attempt = _start(quiz_event, family)
        for position in range(1, 6):
            aq = services.attempt_current_question(attempt=attempt)
            clock.tick(timedelta(seconds=position))
            services.attempt_answer(token=attempt.token, position=position, choice=answer_letter(aq, position != 5))
        attempt.refresh_from_db()
    assert attempt.status == "finished" and attempt.correct_count == 4
    assert attempt.score == sum(100 + (20 - t) * 30 for t in (1, 2, 3, 4))
    assert attempt.total_time_ms == 15000
    result = QuizResult.objects.get(event=quiz_event, child=child)
    assert result.score == attempt.score and result.completed and result.attempts == 1


@pytest.mark.django_db
def test_open_attempt_auto_closed_at_deadline_by_sweep_and_lazily(quiz_factory, family):
    event = quiz_factory({"time_limit": {"paper_seconds": 60}, "attempts": {"per_day": 5}})
    with freeze_time("2027-01-27 12:00:00") as clock:
        child, attempt = _start(event, family)
        aq = services.attempt_current_question(attempt=attempt)
        clock.tick(timedelta(seconds=10))
        services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq))
        clock.tick(timedelta(minutes=5))
        assert quiz_close_expired() == 1
        attempt.refresh_from_db()
        assert attempt.status == "expired" and attempt.answered_count == 1 and attempt.score > 0
        assert attempt.finished_at == attempt.deadline  # closed at its deadline, not when noticed
        assert QuizResult.objects.get(child=child).score == attempt.score
        assert quiz_close_expired() == 0  # idempotent
        other, second = _start(event, family, nickname="小红")
        clock.tick(timedelta(seconds=61))
        with pytest.raises(UserFacingError) as info:
            services.attempt_answer(token=second.token, position=1, choice="A")
        assert info.value.code in ("answer_late", "question_not_shown")
        second.refresh_from_db()
        assert second.status == "expired"  # closed lazily on access
        assert services.attempt_current_question(attempt=second) is None


@pytest.mark.django_db
def test_daily_limit_resets_at_midnight_in_shanghai_not_utc(quiz_factory, family):
    event = quiz_factory({"attempts": {"per_day": 1, "per_campaign": 2}})
    child = family["child"]("小明", "C-HN-CS")
    with freeze_time("2027-01-27 15:58:00"):  # 23:58 in Shanghai
        first = services.attempt_start(event=event, child=child, user=family["guardian"])
        services.attempt_finish(attempt=first)
    with freeze_time("2027-01-27 15:59:30"), pytest.raises(UserFacingError) as info:  # 23:59:30, same day
        services.attempt_start(event=event, child=child, user=family["guardian"])
    assert info.value.code == "quiz_daily_limit" and info.value.status == 429
    with freeze_time("2027-01-27 16:00:05"):  # 00:00:05 next day in Shanghai, still the 27th in UTC
        second = services.attempt_start(event=event, child=child, user=family["guardian"])
        assert second.local_date.isoformat() == "2027-01-28"
        services.attempt_finish(attempt=second)
    with freeze_time("2027-01-29 02:00:00"), pytest.raises(UserFacingError) as info:
        services.attempt_start(event=event, child=child, user=family["guardian"])
    assert info.value.code == "quiz_campaign_limit"


@pytest.mark.django_db
def test_practice_is_unscored_unlimited_and_not_ranked(quiz_event, family):
    child = family["child"]("小明", "C-HN-CS")
    for _ in range(3):
        attempt = services.attempt_start(event=quiz_event, child=child, user=family["guardian"], practice=True)
        aq = services.attempt_current_question(attempt=attempt)
        answer = services.attempt_answer(token=attempt.token, position=1, choice=answer_letter(aq))
        assert answer.correct and answer.points == 0
        services.attempt_finish(attempt=attempt)
    assert not QuizResult.objects.exists()
    scored = services.attempt_start(event=quiz_event, child=child, user=family["guardian"])  # limit untouched
    assert not scored.practice


@pytest.mark.django_db
def test_eligibility_age_group_members_only_and_guardian(quiz_factory, family, make_user, tree):
    from campaigns.models import CampaignLibrary

    event = quiz_factory({"members_only": True})
    old = family["child"]("大哥", "C-HN-CS", year=2005)
    with pytest.raises(UserFacingError) as info:
        services.attempt_start(event=event, child=old, user=family["guardian"])
    assert info.value.code == "quiz_age_not_eligible"
    CampaignLibrary.objects.create(campaign=event.campaign, library=tree["C-HN-CS"])
    outsider = family["child"]("外馆", "P-HE")
    with pytest.raises(UserFacingError) as info:
        services.attempt_start(event=event, child=outsider, user=family["guardian"])
    assert info.value.code == "quiz_members_only"
    member = family["child"]("馆员", "C-HN-CS")
    stranger = make_user("stranger")
    with pytest.raises(UserFacingError) as info:
        services.attempt_start(event=event, child=member, user=stranger)
    assert info.value.code == "not_your_child"
    assert services.attempt_start(event=event, child=member, user=family["guardian"]).pk
