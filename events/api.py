"""Quiz API (mounted at /api/v1/events/). An attempt is addressed by its unguessable token, which
only the guardian who started it receives; starting needs the guardian's session (and CSRF).
Errors are JSON: {"code", "message_zh", "message_en"} with the HTTP status of the refusal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from campaigns.models import Child
from config.api_contract import MAX_ID, Id
from config.errors import UserFacingError
from events import selectors, services
from events.models import OPTION_LETTERS, AttemptQuestion, Event, QuizAttempt

router = Router(tags=["events"])

BoardLimit = Annotated[int, Query(50, ge=1, le=500, description="1…500")]


class ErrorOut(Schema):
    code: str = Field(..., description="stable reason code, e.g. quiz_daily_limit, answer_late, already_answered")
    message_zh: str
    message_en: str


class StartIn(Schema):
    child_id: int = Field(..., ge=1, le=MAX_ID)
    practice: bool = False
    elder: bool = Field(False, description="长辈模式: timed questions get the quiz's elder.extra_time_percent more time")


class AttemptOut(Schema):
    token: str
    status: str
    practice: bool
    kind: str = Field(..., description="\"practice\" (not scored, never ranked) or \"scored\"; starting one kind "
                                      "never resumes the other")
    elder: bool = Field(False, description="started in elder mode (more time per question)")
    question_count: int
    answered_count: int
    deadline: datetime
    seconds_left: float
    score: int | None = Field(None, description="only once the attempt is closed")
    page_url: str


class OptionOut(Schema):
    letter: str
    text: str


class QuestionOut(Schema):
    position: int
    of: int
    kind: str
    stem: str
    options: list[OptionOut]
    image: str | None = None
    seconds_left: float = Field(..., description="server clock: time left for this question")
    paper_seconds_left: float


class AnswerIn(Schema):
    position: int = Field(..., ge=0, le=MAX_ID)
    choice: str = Field(..., description="letters as shown, e.g. \"B\" or \"AC\"")


class AnswerOut(Schema):
    position: int
    recorded: bool = True
    correct: bool | None = Field(None, description="given only when explanations are shown after each question")
    points: int | None = None
    correct_answer: str | None = None
    explanation: str | None = None
    time_ms: int
    finished: bool


class RankOut(Schema):
    rank: int
    of: int


class ResultOut(Schema):
    token: str
    status: str
    practice: bool
    score: int
    correct_count: int
    answered_count: int
    question_count: int
    total_time_s: float
    rank: RankOut | None = None
    library: str
    library_rank: RankOut | None = None


class BoardRowOut(Schema):
    rank: int
    library: str
    library_code: str
    nickname: str | None = None
    score: int | None = None
    total_time_s: float | None = None
    participants: int | None = None
    average: float | None = None
    best: int | None = None
    completion: float | None = None
    elder: bool | None = Field(None, description="individuals: the result was taken in elder mode (more time)")


class BoardOut(Schema):
    event: int
    kind: str
    rows: list[BoardRowOut]
    me: RankOut | None = None


class PingOut(Schema):
    ok: bool
    time: datetime


def _attempt_out(attempt: QuizAttempt) -> dict:
    now = timezone.now()
    return {
        "token": attempt.token, "status": attempt.status, "practice": attempt.practice,
        "kind": "practice" if attempt.practice else "scored", "elder": attempt.elder, "question_count": attempt.question_count, "answered_count": attempt.answers.count(),
        "deadline": attempt.deadline, "seconds_left": max(0.0, (attempt.deadline - now).total_seconds()),
        "score": None if attempt.is_open else attempt.score,
        "page_url": f"/events/attempt/{attempt.token}/",
    }


def question_out(aq: AttemptQuestion, attempt: QuizAttempt, now: datetime, settings=None) -> dict:
    """A question as the child sees it: shuffled options, no answer, no explanation."""
    options = aq.question.options
    return {
        "position": aq.position, "of": attempt.question_count, "kind": aq.question.kind, "stem": aq.question.stem,
        "options": [{"letter": OPTION_LETTERS[i], "text": options[orig]} for i, orig in enumerate(aq.option_order)],
        "image": aq.question.image.url if aq.question.image else None,
        "seconds_left": round(services.question_seconds_left(aq=aq, attempt=attempt, now=now, settings=settings), 2),
        "paper_seconds_left": round(max(0.0, (attempt.deadline - now).total_seconds()), 2),
    }


def result_out(attempt: QuizAttempt) -> dict:
    event = attempt.event
    rank = None if attempt.practice else selectors.child_rank(event, attempt.child)
    library_rank = None if attempt.practice else selectors.library_rank(event, attempt.library)
    return {
        "token": attempt.token, "status": attempt.status, "practice": attempt.practice, "score": attempt.score,
        "correct_count": attempt.correct_count, "answered_count": attempt.answered_count,
        "question_count": attempt.question_count, "total_time_s": round(attempt.total_time_ms / 1000, 1),
        "rank": {"rank": rank["rank"], "of": rank["of"]} if rank else None,
        "library": attempt.library.name,
        "library_rank": {"rank": library_rank["rank"], "of": library_rank["of"]} if library_rank else None,
    }


@router.get("/ping", response=PingOut, auth=None, summary="Trivial JSON endpoint (benchmark baseline)")
def ping(request):
    return {"ok": True, "time": timezone.now()}


@router.post("/quizzes/{event_id}/attempts", response={200: AttemptOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                                       409: ErrorOut, 429: ErrorOut}, auth=django_auth,
             summary="Start (or resume) a practice or a scored attempt for one of your children")
def start_attempt(request, event_id: Id, payload: StartIn):
    event = get_object_or_404(Event.objects.select_related("campaign__lead_library"), pk=event_id)
    child = Child.objects.filter(pk=payload.child_id, guardian=request.user).first()
    if child is None:
        raise UserFacingError("not_your_child", "只能为自己的孩子答题", "You can only start quizzes for your own children",
                              status=403)
    attempt = services.attempt_start(event=event, child=child, user=request.user, practice=payload.practice,
                                     elder=payload.elder)
    return _attempt_out(attempt)


@router.get("/attempts/{token}", response={200: AttemptOut, 404: ErrorOut}, auth=None, summary="An attempt's status")
def get_attempt(request, token: str):
    attempt = services.attempt_close_if_expired(attempt=services.attempt_for_token(token))
    return _attempt_out(attempt)


@router.get("/attempts/{token}/question", response={200: QuestionOut, 204: None, 404: ErrorOut}, auth=None,
            summary="The current question (starts its clock on the server); 204 when the paper is done")
def current_question(request, token: str):
    attempt = services.attempt_lean(token)
    now = timezone.now()
    settings = services.event_quiz_settings(attempt.event_id)
    aq = services.attempt_current_question(attempt=attempt, now=now, settings=settings)
    if aq is None:
        return Status(204, None)
    return question_out(aq, attempt, now, settings)


@router.post("/attempts/{token}/answers", response={200: AnswerOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             auth=None, exclude_none=True,
             summary="Answer the current question (timed on the server; one answer per question). Correctness, "
                     "the right answer and the explanation are included only when the quiz shows them after each "
                     "question")
def answer(request, token: str, payload: AnswerIn):
    recorded = services.attempt_answer(token=token, position=payload.position, choice=payload.choice)
    out = {"position": recorded.position, "time_ms": recorded.time_ms, "finished": recorded.finished}
    if recorded.settings.explanations == "after_each":
        out.update(correct=recorded.correct, points=recorded.points, correct_answer=recorded.correct_display,
                   explanation=recorded.explanation)
    return out


@router.post("/attempts/{token}/finish", response={200: ResultOut, 404: ErrorOut}, auth=None,
             summary="Hand in the paper (unanswered questions score nothing); idempotent")
def finish(request, token: str):
    attempt = services.attempt_finish(attempt=services.attempt_for_token(token))
    attempt = services.attempt_for_token(token)
    return result_out(attempt)


@router.get("/attempts/{token}/result", response={200: ResultOut, 404: ErrorOut, 409: ErrorOut}, auth=None,
            summary="Score and ranks of a closed attempt")
def result(request, token: str):
    attempt = services.attempt_close_if_expired(attempt=services.attempt_for_token(token))
    if attempt.is_open:
        raise UserFacingError("attempt_open", "还在答题中，交卷后才能查看成绩", "The attempt is still open", status=409)
    return result_out(services.attempt_for_token(token))


@router.get("/quizzes/{event_id}/leaderboard", response={200: BoardOut, 400: ErrorOut, 404: ErrorOut}, auth=None,
            summary="Leaderboard: individuals (nickname + library), libraries, cities or provinces")
def leaderboard(request, event_id: Id, kind: str = "individuals", limit: BoardLimit = 50,
                child_id: Annotated[int | None, Query(None, ge=1, le=MAX_ID)] = None):
    event = get_object_or_404(Event, pk=event_id, kind=Event.Kind.QUIZ)
    services.attempts_close_expired(event_id=event.pk)
    if kind == "individuals":
        rows = selectors.individual_board(event, limit=limit)
    elif kind == "libraries":
        rows = selectors.library_board(event)[:limit]
    elif kind in ("cities", "provinces"):
        rows = selectors.tree_board(event, "city" if kind == "cities" else "province")[:limit]
    else:
        raise UserFacingError("bad_board_kind", "排行榜类型应为 individuals/libraries/cities/provinces",
                              "kind must be individuals, libraries, cities or provinces")
    me = None
    if child_id and request.user.is_authenticated:
        child = Child.objects.filter(pk=child_id, guardian=request.user).first()
        mine = selectors.child_rank(event, child) if child else None
        me = {"rank": mine["rank"], "of": mine["of"]} if mine else None
    return {"event": event.pk, "kind": kind, "rows": rows, "me": me}
