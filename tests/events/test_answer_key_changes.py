"""No process keeps an answer key of its own: a key corrected in the admin, or a re-imported bank, scores
the very next answer (before, each web process cached question facts for up to a minute)."""

from events import services
from events.bank_import import questions_import
from events.models import OPTION_LETTERS, Question
from tests.events.conftest import BANK_ROWS, make_bank_csv


def _started(quiz_event, family):
    child = family["child"]("小明", "C-HN-CS")
    attempt = services.attempt_start(event=quiz_event, child=child, user=family["guardian"])
    return attempt, services.attempt_current_question(attempt=attempt)


def _letter_for(aq, original: str) -> str:
    return OPTION_LETTERS[aq.option_order.index(original)]


def test_a_corrected_answer_key_scores_the_next_answer(quiz_event, family):
    attempt, aq = _started(quiz_event, family)
    old = aq.question.answer
    new = next(c for c in "ABCD"[: len(aq.option_order)] if c not in old)
    first = services.attempt_answer(token=attempt.token, position=aq.position, choice=_letter_for(aq, new))
    assert first.correct is False  # the key as imported

    aq = services.attempt_current_question(attempt=attempt)
    question = Question.objects.get(pk=aq.question_id)
    question.answer = new if aq.question.kind != "multiple" else "".join(sorted(new))
    question.save()  # what the admin's change form does
    chosen = "".join(_letter_for(aq, c) for c in question.answer)
    second = services.attempt_answer(token=attempt.token, position=aq.position, choice=chosen)
    assert second.correct is True and second.correct_display == "".join(sorted(chosen))


def test_a_reimported_bank_scores_the_next_answer(quiz_event, family):
    attempt, aq = _started(quiz_event, family)
    external_id = aq.question.external_id
    old = aq.question.answer
    new = "B" if old != "B" else "A"
    rows = [(*row[:7], new, *row[8:]) if row[0] == external_id else row for row in BANK_ROWS]
    questions_import(bank=aq.question.bank, data=make_bank_csv(rows), filename="bank.csv")
    answer = services.attempt_answer(token=attempt.token, position=aq.position, choice=_letter_for(aq, new))
    assert answer.correct is True
    assert answer.explanation == aq.question.explanation


def test_a_changed_explanation_setting_applies_to_the_next_answer(quiz_event, family, client):
    attempt, aq = _started(quiz_event, family)
    quiz_event.settings["quiz"]["explanations"] = "never"
    quiz_event.save()
    response = client.post(f"/api/v1/events/attempts/{attempt.token}/answers",
                           {"position": aq.position, "choice": "A"}, content_type="application/json")
    assert response.status_code == 200
    assert "correct_answer" not in response.json() and "explanation" not in response.json()
