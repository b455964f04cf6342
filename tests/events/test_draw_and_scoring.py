import random
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import UserFacingError
from events.models import AttemptQuestion, Question, QuizResult
from events.scoring import credit, points_for
from events.sections import Quiz, quiz_rules
from events.selectors import child_rank, individual_board
from events.services import attempt_start, draw_questions


def _quiz(*, formula: str, points: float | None = None, per_question_seconds: int | None = None) -> Quiz:
    """A quiz's rules as a campaign file gives them (only the scoring and timing vary here)."""
    scoring = {"formula": formula, **({"points": points} if points is not None else {})}
    timing = {"time_limit": {"per_question_seconds": per_question_seconds}} if per_question_seconds else {}
    return Quiz(bank="poems", questions=10, scoring=scoring, **timing)


def _candidates():
    return [(q.pk, q.difficulty, q.tags) for q in Question.objects.all()]


@pytest.mark.django_db
def test_draw_honours_difficulty_quotas_on_every_attempt(quiz_event, family):
    by_id = {q.pk: q for q in Question.objects.all()}
    settings = quiz_rules(quiz_event)
    for seed in range(30):
        ids = draw_questions(candidates=_candidates(), settings=settings, rng=random.Random(seed))
        assert len(ids) == len(set(ids)) == 5
        assert Counter(by_id[i].difficulty for i in ids) == {1: 2, 2: 2, 3: 1}


@pytest.mark.django_db
def test_draw_by_tag_then_fill_and_refuses_impossible_quotas(quiz_event):
    by_id = {q.pk: q for q in Question.objects.all()}
    # Quotas for 5 of 8 questions (a file must account for all of them; the draw still fills up the rest).
    settings = Quiz.model_validate({"bank": "poems", "questions": 8, "draw": [{"count": 3, "tag": "图书馆"},
                                                                             {"count": 2, "tag": "宋诗"}]},
                                   context={"stored": True})
    drawn = set()
    for seed in range(20):
        ids = draw_questions(candidates=_candidates(), settings=settings, rng=random.Random(seed))
        tags = Counter(t for i in ids for t in by_id[i].tags if t in ("图书馆", "宋诗"))
        assert len(ids) == 8 and tags["图书馆"] >= 3 and tags["宋诗"] >= 2
        drawn.update(ids)
    assert len(drawn) > 12  # random, not the same paper every time
    with pytest.raises(UserFacingError) as info:
        draw_questions(candidates=_candidates(), settings=Quiz(bank="poems", questions=4,
                                                               draw=[{"count": 4, "difficulty": 3}]))
    assert info.value.code == "quiz_bank_too_small"


@pytest.mark.django_db
def test_attempt_draw_shuffles_options_but_keeps_true_false(quiz_factory, family):
    event = quiz_factory({"questions": 21, "draw": [], "attempts": {"per_day": 50}})
    orders = set()
    for i in range(4):
        child = family["child"](f"孩子{i}", "C-HN-CS")
        attempt = attempt_start(event=event, child=child, user=family["guardian"])
        for aq in AttemptQuestion.objects.filter(attempt=attempt).select_related("question"):
            assert sorted(aq.option_order) == sorted(aq.question.options)
            if aq.question.kind == "truefalse":
                assert aq.option_order == ["A", "B"]
            else:
                orders.add(tuple(aq.option_order))
    assert len(orders) > 5


def test_fixed_points_and_partial_credit():
    fixed = _quiz(formula="fixed", points=5)
    assert points_for(settings=fixed, share=1.0, seconds=19) == 5
    assert points_for(settings=fixed, share=0.0, seconds=1) == 0
    assert credit(kind="multiple", correct="ACD", chosen="AC", partial="proportional") == pytest.approx(2 / 3)
    assert credit(kind="multiple", correct="ACD", chosen="AB", partial="proportional") == 0  # a wrong tick: nothing
    assert credit(kind="multiple", correct="ACD", chosen="AC", partial="none") == 0
    assert credit(kind="single", correct="B", chosen="B", partial="none") == 1
    assert points_for(settings=_quiz(formula="fixed", points=6), share=2 / 3, seconds=3) == 4


def test_time_bonus_formula_100_plus_remaining_seconds_times_30():
    rules = _quiz(formula="time_bonus", per_question_seconds=20)
    assert points_for(settings=rules, share=1.0, seconds=4) == 100 + (20 - 4) * 30  # 580
    assert points_for(settings=rules, share=1.0, seconds=0) == 700
    assert points_for(settings=rules, share=1.0, seconds=20) == 100
    assert points_for(settings=rules, share=1.0, seconds=20.9) == 100  # within grace: no negative bonus
    assert points_for(settings=rules, share=1.0, seconds=12.5) == 325
    assert points_for(settings=rules, share=0.0, seconds=1) == 0


def test_kahoot_formula():
    rules = _quiz(formula="kahoot", per_question_seconds=20)  # points left at its default (100)
    assert points_for(settings=rules, share=1.0, seconds=0) == 1000
    assert points_for(settings=rules, share=1.0, seconds=10) == 750  # round((1 − 10/40)·1000)
    assert points_for(settings=rules, share=1.0, seconds=20) == 500
    assert points_for(settings=rules, share=1.0, seconds=7.3) == round((1 - 7.3 / 40) * 1000)
    assert points_for(settings=_quiz(formula="kahoot", per_question_seconds=20, points=2000), share=1.0,
                      seconds=10) == 1500


@pytest.mark.django_db
def test_tie_break_chain_score_then_total_time_then_finish(quiz_event, family):
    from events.models import QuizAttempt

    now = timezone.now()
    rows = {  # nickname: (score, total_time_ms, finished minutes ago)
        "甲": (900, 60000, 30), "乙": (900, 50000, 10), "丙": (900, 50000, 20), "丁": (1000, 99000, 5),
        "戊": (500, 1000, 50),
    }
    children = {}
    for nickname, (score, total, ago) in rows.items():
        child = family["child"](nickname, "C-HN-CS")
        children[nickname] = child
        attempt = QuizAttempt.objects.create(event=quiz_event, child=child, library=child.library, token=nickname,
                                             local_date=now.date(), started_at=now, deadline=now, question_count=5,
                                             status="finished", score=score, total_time_ms=total,
                                             finished_at=now - timedelta(minutes=ago))
        QuizResult.objects.create(event=quiz_event, child=child, library=child.library, best_attempt=attempt,
                                  score=score, total_time_ms=total, finished_at=attempt.finished_at)
    board = individual_board(quiz_event)
    assert [r["nickname"] for r in board] == ["丁", "丙", "乙", "甲", "戊"]
    assert [r["rank"] for r in board] == [1, 2, 3, 4, 5]
    assert child_rank(quiz_event, children["乙"])["rank"] == 3
    assert child_rank(quiz_event, children["戊"]) == {**child_rank(quiz_event, children["戊"]), "rank": 5, "of": 5}
    # A chain without finish time: 乙 and 丙 share the rank.
    quiz_event.settings["quiz"]["tie_break"] = ["score", "total_time"]
    quiz_event.save()
    board = individual_board(quiz_event)
    assert [r["rank"] for r in board] == [1, 2, 2, 4, 5]
    assert child_rank(quiz_event, children["乙"])["rank"] == 2 == child_rank(quiz_event, children["丙"])["rank"]
