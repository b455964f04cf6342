"""Live mode (现场答题): a host in a library hall drives the questions; phones follow.

The session's state lives in the database (any process can serve any socket); the channel
layer only fans changes out. Every socket re-reads the state when it (re)connects, so late
joiners and dropped phones pick up where the room is."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from campaigns.selectors import is_organizer
from config.errors import UserFacingError
from events.models import OPTION_LETTERS, Event, LiveAnswer, LivePlayer, LiveSession, Question
from events.scoring import credit, points_for
from events.sections import GRACE_SECONDS, TimeLimit, quiz_rules
from events.services import draw_questions, option_order, quiz_bank

State = LiveSession.State


def _err(code, zh, en, status=400):
    return UserFacingError(code, zh, en, status=status)


def live_group(code: str) -> str:
    return f"quiz-live-{code}"


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice("23456789") for _ in range(6))
        if not LiveSession.objects.filter(code=code).exists():
            return code


def live_open(*, event: Event, host, questions: int | None = None, seconds: int | None = None) -> LiveSession:
    if not is_organizer(host):
        raise _err("live_not_host", "只有活动组织者可以主持现场答题", "Only organizers can host a live quiz", 403)
    if event.kind != Event.Kind.QUIZ:
        raise _err("not_a_quiz", "这个活动项目不是答题", "This event is not a quiz", 404)
    settings = quiz_rules(event)
    if questions:  # the host's own count: drawn at random, without the file's quotas
        settings = settings.model_copy(update={"questions": questions, "draw": []})
    bank = quiz_bank(event, settings)
    candidates = [(qid, d, tags or []) for qid, d, tags in
                  Question.objects.filter(bank=bank).values_list("id", "difficulty", "tags")]
    ids = draw_questions(candidates=candidates, settings=settings)
    by_id = Question.objects.in_bulk(ids)
    session = LiveSession(
        event=event, host=host, code=_new_code(), question_ids=ids,
        option_orders=[option_order(by_id[q].options, settings.shuffle_options, by_id[q].kind) for q in ids],
        question_seconds=seconds or settings.per_question_seconds or 20,
    )
    session.full_clean()
    session.save()
    return session


def live_session(code: str) -> LiveSession:
    session = LiveSession.objects.select_related("event").filter(code=str(code).strip()).first()
    if session is None:
        raise _err("live_not_found", "房间号不存在，请核对大屏上的 6 位数字", "No live quiz with this code", 404)
    return session


def live_join(*, code: str, nickname: str, child=None) -> LivePlayer:
    session = live_session(code)
    if session.state == State.FINISHED:
        raise _err("live_finished", "本场现场答题已经结束", "This live quiz has ended", 409)
    nickname = (nickname or "").strip()[:20]
    if not nickname:
        raise _err("live_nickname_required", "请填写昵称", "Please enter a nickname", 400)
    try:
        with transaction.atomic():
            return LivePlayer.objects.create(session=session, nickname=nickname, child=child,
                                             token=secrets.token_urlsafe(18))
    except IntegrityError as exc:
        raise _err("live_nickname_taken", f"昵称“{nickname}”已被使用，请换一个", "This nickname is taken", 409) from exc


def live_player(session: LiveSession, token: str) -> LivePlayer | None:
    return LivePlayer.objects.filter(session=session, token=token).first() if token else None


def _require_host(session: LiveSession, user) -> None:
    if not (user.is_authenticated and (user.pk == session.host_id or user.is_superuser)):
        raise _err("live_not_host", "只有主持人可以控制答题进度", "Only the host can control the quiz", 403)


def live_advance(*, session: LiveSession, user, now: datetime | None = None) -> LiveSession:
    """Host: show the next question to everyone (or end after the last)."""
    _require_host(session, user)
    now = now or timezone.now()
    with transaction.atomic():
        locked = LiveSession.objects.select_for_update().get(pk=session.pk)
        if locked.state == State.FINISHED:
            return locked
        if locked.current_index + 1 >= len(locked.question_ids):
            locked.state = State.FINISHED
        else:
            locked.current_index += 1
            locked.state = State.QUESTION
            locked.question_started_at = now
        locked.save(update_fields=["state", "current_index", "question_started_at"])
    return locked


def live_reveal(*, session: LiveSession, user) -> LiveSession:
    _require_host(session, user)
    LiveSession.objects.filter(pk=session.pk, state=State.QUESTION).update(state=State.REVEAL)
    session.refresh_from_db()
    return session


def live_finish(*, session: LiveSession, user) -> LiveSession:
    _require_host(session, user)
    LiveSession.objects.filter(pk=session.pk).update(state=State.FINISHED)
    session.refresh_from_db()
    return session


def live_answer(*, player: LivePlayer, index: int, choice: str, now: datetime | None = None) -> LiveAnswer:
    now = now or timezone.now()
    session = LiveSession.objects.select_related("event").get(pk=player.session_id)
    if session.state != State.QUESTION or index != session.current_index:
        raise _err("live_not_current", "这道题已经结束", "This question is not open", 409)
    seconds = (now - session.question_started_at).total_seconds()
    if seconds > session.question_seconds + GRACE_SECONDS:
        raise _err("answer_late", "时间到，不能再作答", "Time is up for this question", 409)
    question = Question.objects.get(pk=session.question_ids[index])
    order = session.option_orders[index]
    shown = OPTION_LETTERS[: len(order)]
    letters = sorted({c for c in str(choice).upper() if c in shown})
    if not letters or (question.kind != "multiple" and len(letters) != 1):
        raise _err("invalid_choice", "请选择一个有效的选项", "Choose one of the options shown", 400)
    original = "".join(sorted(order[shown.index(letter)] for letter in letters))
    settings = quiz_rules(session.event)
    # Live mode times every question the host's way and always rewards speed (fixed scoring plays as kahoot).
    scoring = settings.scoring if settings.formula != "fixed" else \
        settings.scoring.model_copy(update={"formula": "kahoot", "points": 100})
    live_rules = settings.model_copy(update={
        "time_limit": TimeLimit.model_construct(per_question_seconds=session.question_seconds), "scoring": scoring})
    share = credit(kind=question.kind, correct=question.answer, chosen=original, partial=settings.multiple_partial)
    points = points_for(settings=live_rules, share=share, seconds=seconds)
    try:
        with transaction.atomic():
            answer = LiveAnswer.objects.create(player=player, index=index, choice=original, correct=share == 1.0,
                                               points=points, time_ms=int(max(seconds, 0) * 1000))
            LivePlayer.objects.filter(pk=player.pk).update(score=F("score") + points)
    except IntegrityError as exc:
        raise _err("already_answered", "这道题已经答过了", "Already answered", 409) from exc
    return answer


# --- what the screens show --------------------------------------------------------------------

def live_board(session: LiveSession, limit: int = 10) -> list[dict]:
    rows, previous, rank = [], None, 0
    for position, (nickname, score) in enumerate(
            session.players.order_by("-score", "joined_at").values_list("nickname", "score")[:limit], start=1):
        if score != previous:
            rank, previous = position, score
        rows.append({"rank": rank, "nickname": nickname, "score": score})
    return rows


def live_state(session: LiveSession, now: datetime | None = None) -> dict:
    """The room as everyone sees it. The correct answer appears only once the host reveals it."""
    now = now or timezone.now()
    state = {"type": "state", "code": session.code, "state": session.state, "index": session.current_index,
             "total": len(session.question_ids), "players": session.players.count()}
    if session.state in (State.QUESTION, State.REVEAL) and session.current_index >= 0:
        question = Question.objects.get(pk=session.question_ids[session.current_index])
        order = session.option_orders[session.current_index]
        state["question"] = {
            "stem": question.stem, "kind": question.kind,
            "options": [{"letter": OPTION_LETTERS[i], "text": question.options[orig]} for i, orig in enumerate(order)],
            "image": question.image.url if question.image else None,
        }
        elapsed = (now - session.question_started_at).total_seconds() if session.question_started_at else 0
        state["seconds"] = session.question_seconds
        state["remaining"] = max(0.0, round(session.question_seconds - elapsed, 1))
        answers = LiveAnswer.objects.filter(player__session=session, index=session.current_index)
        state["answers"] = answers.count()
        if session.state == State.REVEAL:
            state["answer"] = "".join(sorted(OPTION_LETTERS[order.index(c)] for c in question.answer))
            state["explanation"] = question.explanation
            counts = {letter: 0 for letter in OPTION_LETTERS[: len(order)]}
            for choice in answers.values_list("choice", flat=True):
                for c in choice:
                    counts[OPTION_LETTERS[order.index(c)]] += 1
            state["counts"] = counts
    if session.state in (State.REVEAL, State.FINISHED):
        state["leaderboard"] = live_board(session)
    return state


def live_player_view(player: LivePlayer, session: LiveSession) -> dict:
    """The personal part a phone adds to the room state: own score, rank, own answer."""
    player.refresh_from_db(fields=["score"])
    rank = session.players.filter(score__gt=player.score).count() + 1
    mine = {"nickname": player.nickname, "score": player.score, "rank": rank, "answered": False}
    if session.current_index >= 0:
        answer = LiveAnswer.objects.filter(player=player, index=session.current_index).first()
        if answer is not None:
            mine["answered"] = True
            if session.state in (State.REVEAL, State.FINISHED):
                mine["correct"] = answer.correct
                mine["points"] = answer.points
    return mine


def live_deadline(session: LiveSession) -> datetime | None:
    if session.question_started_at is None:
        return None
    return session.question_started_at + timedelta(seconds=session.question_seconds)
