"""Judging API (mounted at /api/v1/judging/). A judge's view of an entry is blind: no name, nickname,
library, file name or file metadata ever leaves through here (`judging/blind.py`)."""

from __future__ import annotations

from typing import Annotated

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.security import django_auth

from config.api_contract import ErrorOut, Id
from config.client_ip import client_ip
from config.errors import ApiError
from judging import blind, selectors, services
from judging.models import Assignment, Certificate, Like, Score
from submissions.models import Entry

router = Router(tags=["judging"])
FiniteScore = Annotated[float, Field(allow_inf_nan=False)]  # NaN/Infinity are not scores


class ScoresIn(Schema):
    values: dict[str, FiniteScore | None] = {}
    comment: str = ""
    submit: bool = False


class PlayIn(Schema):
    seconds: float = Field(..., ge=0, le=86_400, allow_inf_nan=False, description="seconds played, 0…86400")


class QueueItemOut(Schema):
    assignment: int
    code: str = Field(..., description="the entry's anonymous number for this judge")
    state: str
    round: str
    kind: str


class PoemOut(Schema):
    title: str
    author: str
    dynasty: str
    lines: list[str]


class RoundRefOut(Schema):
    key: str
    title: str
    open: bool


class CriterionOut(Schema):
    key: str
    label: str
    weight: float
    min: float
    max: float
    priority: int


class AssignmentOut(Schema):
    """A judge's view of an entry (judging/blind.py): an anonymous number, the poem, the media — nothing
    that names the child, the library or the file. Only these fields leave, whatever the dict holds."""
    assignment: int
    code: str
    kind: str
    duration_s: float | None
    waveform: list[float]
    poem: PoemOut | None
    text: str
    media_url: str | None = Field(..., description="opaque per-assignment media token URL (playback copy only)")
    state: str
    round: RoundRefOut
    rubric: list[CriterionOut]
    scores: dict[str, float]
    comment: str
    played_fraction: float


class PlayedOut(Schema):
    played_fraction: float


class CertificateOut(Schema):
    valid: bool
    code: str
    child_name: str
    award: str
    award_en: str = Field("", description="The award's English title, when the campaign gives one")
    campaign: str
    library: str
    issued_at: str


def _mine(request, assignment_id: int) -> Assignment:
    judge = selectors.judge_of(request.user)
    a = get_object_or_404(Assignment.objects.select_related("round", "entry__poem", "judge"), pk=assignment_id)
    if judge is None or a.judge_id != judge.id or a.state == Assignment.State.WITHDRAWN:
        raise ApiError("not_found", "没有这个评审任务", "no such assignment", status=404)
    return a


def _detail(a: Assignment) -> dict:
    return {
        **blind.blind_entry(a),
        "state": a.state, "round": {"key": a.round.key, "title": a.round.title, "open": a.round.is_open()},
        "rubric": a.round.criteria(),
        "scores": {s.criterion: s.value for s in Score.objects.filter(assignment=a)},
        "comment": a.comment, "played_fraction": round(a.played_fraction, 3),
    }


@router.get("/assignments", auth=django_auth, response=list[QueueItemOut], summary="My judging queue (blind)")
def my_assignments(request):
    judge = selectors.judge_of(request.user)
    if judge is None:
        return []
    return [{"assignment": a.id, "code": blind.assignment_code(a), "state": a.state,
             "round": a.round.key, "kind": a.entry.kind} for a in selectors.judge_queue(judge)]


@router.get("/assignments/{assignment_id}", auth=django_auth, response=AssignmentOut, summary="One entry to score (blind)")
def assignment_detail(request, assignment_id: Id):
    a = _mine(request, assignment_id)
    services.assignment_open(assignment=a, actor=request.user)
    return _detail(a)


@router.post("/assignments/{assignment_id}/scores", auth=django_auth, response=AssignmentOut, summary="Save a draft or submit")
def assignment_scores(request, assignment_id: Id, payload: ScoresIn):
    a = _mine(request, assignment_id)
    values = {k: v for k, v in payload.values.items() if v is not None}
    a = services.score_record(assignment=a, actor=request.user, values=values, comment=payload.comment,
                              submit=payload.submit)
    return _detail(a)


@router.post("/assignments/{assignment_id}/reopen", auth=django_auth, response=AssignmentOut,
             summary="Reopen a submitted score while the round is open")
def assignment_reopen(request, assignment_id: Id):
    return _detail(services.assignment_reopen(assignment=_mine(request, assignment_id), actor=request.user))


@router.post("/assignments/{assignment_id}/play", auth=django_auth, response=PlayedOut, summary="Report how much was played")
def assignment_play(request, assignment_id: Id, payload: PlayIn):
    a = services.assignment_track_play(assignment=_mine(request, assignment_id), actor=request.user,
                                       played_seconds=payload.seconds)
    return {"played_fraction": round(a.played_fraction, 3)}


class LikeOut(Schema):
    ok: bool
    likes: int = Field(..., description="the entry's likes now")


@router.post("/entries/{entry_id}/like", auth=django_auth, response={200: LikeOut, 429: ErrorOut},
             summary="Like a gallery entry (once a day; 429 like_rate / like_daily_limit when too many)")
def like_entry(request, entry_id: Id):
    entry = get_object_or_404(Entry.objects.select_related("event__campaign"), pk=entry_id)
    services.like_add(entry=entry, voter_key=f"user:{request.user.pk}", source="web",
                      network=client_ip(request))
    return {"ok": True, "likes": Like.objects.filter(entry=entry, voided=False).count()}


@router.get("/certificates/{code}", response=CertificateOut, summary="Verify a certificate code (public)")
def verify_certificate(request, code: str):
    cert = Certificate.objects.filter(code=code.strip().upper(), revoked=False).select_related("campaign").first()
    if cert is None:
        raise ApiError("certificate_unknown", "未找到该编号的有效证书", "no valid certificate has this code", status=404)
    return {"valid": True, "code": cert.code, "child_name": cert.child_name, "award": cert.award_title,
            "award_en": cert.award_title_en, "campaign": cert.campaign.title, "library": cert.library_name, "issued_at": cert.issued_at.isoformat()}
