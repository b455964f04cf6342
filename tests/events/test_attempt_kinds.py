"""Practice and scored papers are distinct; a quiz never opens before its campaign's entries stage."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config.errors import UserFacingError
from events import services
from events.models import QuizAttempt
from tests.events.conftest import answer_letter


@pytest.mark.django_db
def test_starting_scored_after_practice_never_resumes_the_practice_paper(quiz_event, family):
    child = family["child"]("小明", "C-HN-CS")
    practice = services.attempt_start(event=quiz_event, child=child, user=family["guardian"], practice=True)
    aq = services.attempt_current_question(attempt=practice)
    services.attempt_answer(token=practice.token, position=1, choice=answer_letter(aq))
    scored = services.attempt_start(event=quiz_event, child=child, user=family["guardian"])
    assert scored.pk != practice.pk and not scored.practice
    # Each kind resumes only its own paper.
    assert services.attempt_start(event=quiz_event, child=child, user=family["guardian"]).pk == scored.pk
    assert services.attempt_start(event=quiz_event, child=child, user=family["guardian"],
                                  practice=True).pk == practice.pk
    aq = services.attempt_current_question(attempt=scored)
    answer = services.attempt_answer(token=scored.token, position=aq.position, choice=answer_letter(aq))
    assert answer.points > 0  # the scored paper counts


@pytest.mark.django_db
def test_page_and_api_say_which_kind_and_start_button_starts_scored(client, quiz_event, family):
    child = family["child"]("小明", "C-HN-CS")
    client.force_login(family["guardian"])
    client.post(reverse("events:quiz_start", args=[quiz_event.pk]), {"child": child.pk, "practice": "1"})
    practice = QuizAttempt.objects.get(practice=True)
    page = client.get(reverse("events:attempt", args=[practice.token])).content.decode()
    assert "练习模式（不计分" in page and "正式答题（计分" not in page
    home = client.get(reverse("events:quiz", args=[quiz_event.pk])).content.decode()
    assert "有未完成的练习" in home and "有未完成的正式答题" not in home
    response = client.post(reverse("events:quiz_start", args=[quiz_event.pk]), {"child": child.pk, "practice": "0"})
    scored = QuizAttempt.objects.get(practice=False)
    assert response["Location"] == reverse("events:attempt", args=[scored.token])
    page = client.get(response["Location"]).content.decode()
    assert "正式答题（计分" in page and "练习模式" not in page
    body = client.post(f"/api/v1/events/quizzes/{quiz_event.pk}/attempts",
                       {"child_id": child.pk, "practice": True}, content_type="application/json").json()
    assert body["token"] == practice.token and body["kind"] == "practice"
    body = client.post(f"/api/v1/events/quizzes/{quiz_event.pk}/attempts",
                       {"child_id": child.pk}, content_type="application/json").json()
    assert body["token"] == scored.token and body["kind"] == "scored"


@pytest.mark.django_db
def test_quiz_never_opens_before_the_entries_stage(client, quiz_event, family):
    from campaigns.models import Stage

    Stage.objects.create(campaign=quiz_event.campaign, kind="entries_open",
                         starts_at=timezone.now().replace(year=2028) + timedelta(days=400))
    child = family["child"]("小明", "C-HN-CS")
    for practice in (False, True):
        with pytest.raises(UserFacingError) as info:
            services.attempt_start(event=quiz_event, child=child, user=family["guardian"], practice=practice)
        assert info.value.code == "quiz_not_open_yet"
    client.force_login(family["guardian"])
    home = client.get(reverse("events:quiz", args=[quiz_event.pk])).content.decode()
    assert "答题尚未开始" in home and "开始答题" not in home
    assert not QuizAttempt.objects.exists()


@pytest.mark.django_db
def test_quiz_opens_once_the_entries_stage_has_started(quiz_event, family):
    from campaigns.models import Stage

    Stage.objects.create(campaign=quiz_event.campaign, kind="entries_open",
                         starts_at=timezone.now() - timedelta(days=1))
    child = family["child"]("小明", "C-HN-CS")
    assert services.attempt_start(event=quiz_event, child=child, user=family["guardian"]).pk
