"""A judge's scores, the weighted totals, and the third-marker rule for disagreements."""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import User
from judging.aggregation import combine_criteria
from judging.assignment import AssignmentError
from judging.models import (
    Assignment,
    Discrepancy,
    Round,
    Score,
)
from judging.services.assignments import add_judge
from judging.services.common import broadcast_progress, error
from submissions.models import Entry


def _check_open(round_: Round) -> None:
    if not round_.is_open():
        raise error("round_closed", "本轮评审未开放或已截止，不能修改评分", "this round is not open; scores cannot change",
                     status=409)


def _own(assignment: Assignment, actor: User) -> None:
    if assignment.judge.user_id != actor.id:
        raise error("not_yours", "这不是您的评审任务", "this assignment is not yours", status=403)
    if assignment.state == Assignment.State.WITHDRAWN:
        raise error("withdrawn", "此评审任务已撤销", "this assignment was withdrawn", status=409)


@transaction.atomic
def assignment_track_play(*, assignment: Assignment, actor: User, played_seconds: float) -> Assignment:
    """Record how much of the media the judge played (the furthest total, never decreasing)."""
    assignment = Assignment.objects.select_for_update().select_related("judge", "entry").get(pk=assignment.pk)
    _own(assignment, actor)
    if not isinstance(played_seconds, int | float) or math.isnan(played_seconds) or played_seconds < 0:
        raise error("played", "播放时长无效", "invalid played time")
    duration = assignment.entry.duration_s or 0
    seconds = min(float(played_seconds), duration * 3 if duration else float(played_seconds))
    if seconds > assignment.played_seconds:
        assignment.played_seconds = seconds
        assignment.played_fraction = min(1.0, seconds / duration) if duration else 1.0
    if assignment.opened_at is None:
        assignment.opened_at = timezone.now()
    assignment.save(update_fields=["played_seconds", "played_fraction", "opened_at", "updated_at"])
    return assignment


@transaction.atomic
def assignment_open(*, assignment: Assignment, actor: User) -> Assignment:
    assignment = Assignment.objects.select_for_update().select_related("judge").get(pk=assignment.pk)
    _own(assignment, actor)
    if assignment.opened_at is None:
        assignment.opened_at = timezone.now()
        assignment.save(update_fields=["opened_at", "updated_at"])
    return assignment


@transaction.atomic
def score_record(*, assignment: Assignment, actor: User, values: dict[str, float], comment: str = "",
                 submit: bool = False) -> Assignment:
    """Save a draft or submit: one Score per criterion (DB constraint), validated against the rubric."""
    assignment = Assignment.objects.select_for_update().select_related("round", "judge", "entry").get(pk=assignment.pk)
    _own(assignment, actor)
    round_ = assignment.round
    _check_open(round_)
    if assignment.state == Assignment.State.SUBMITTED:
        raise error("submitted", "评分已提交；如需修改请先“重新打开”", "already submitted; reopen it to change", status=409)
    criteria = round_.criteria()
    clean: dict[str, float] = {}
    for c in criteria:
        raw = values.get(c["key"])
        if raw in (None, ""):
            if submit:
                raise error("score_missing", f"请为“{c['label']}”打分", f"please score {c['label']}", criterion=c["key"])
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise error("score_number", f"“{c['label']}”的分数必须是数字", f"the score for {c['label']} must be a number",
                         criterion=c["key"]) from None
        if math.isnan(value) or not (c["min"] <= value <= c["max"]):
            raise error("score_range", f"“{c['label']}”的分数应在 {c['min']:g}–{c['max']:g} 之间",
                         f"the score for {c['label']} must be between {c['min']:g} and {c['max']:g}",
                         criterion=c["key"])
        clean[c["key"]] = value
    unknown = set(values) - {c["key"] for c in criteria}
    if unknown:
        raise error("score_unknown", f"评分表中没有这些项：{', '.join(sorted(unknown))}",
                     f"not in the rubric: {', '.join(sorted(unknown))}")
    for key, value in clean.items():
        Score.objects.update_or_create(round=round_, entry=assignment.entry, judge=assignment.judge, criterion=key,
                                       defaults={"value": value, "assignment": assignment})
    assignment.comment = (comment or "")[:4000]
    if submit:
        assignment.state = Assignment.State.SUBMITTED
        assignment.submitted_at = timezone.now()
        duration = assignment.entry.duration_s or 0
        spent = (assignment.submitted_at - assignment.opened_at).total_seconds() if assignment.opened_at else 0
        assignment.too_fast = bool(duration and (spent < duration or assignment.played_fraction < 0.9))
    elif assignment.state == Assignment.State.PENDING:
        assignment.state = Assignment.State.DRAFT
    assignment.save()
    audit_record(action="judging.score_submitted" if submit else "judging.score_draft", obj=assignment, actor=actor,
                 campaign=round_.campaign, entry=assignment.entry_id, scores=clean, too_fast=assignment.too_fast,
                 played_fraction=round(assignment.played_fraction, 3))
    if submit:
        discrepancy_check(round_=round_, entry=assignment.entry, actor=actor)
    broadcast_progress(round_.id)
    return assignment


@transaction.atomic
def assignment_reopen(*, assignment: Assignment, actor: User) -> Assignment:
    assignment = Assignment.objects.select_for_update().select_related("round", "judge").get(pk=assignment.pk)
    _own(assignment, actor)
    _check_open(assignment.round)
    if assignment.state != Assignment.State.SUBMITTED:
        raise error("not_submitted", "只有已提交的评分可以重新打开", "only a submitted score can be reopened", status=409)
    assignment.state = Assignment.State.REOPENED
    assignment.save(update_fields=["state", "updated_at"])
    audit_record(action="judging.score_reopened", obj=assignment, actor=actor, campaign=assignment.round.campaign,
                 entry=assignment.entry_id)
    broadcast_progress(assignment.round_id)
    return assignment


def _ranges(round_: Round) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    criteria = round_.criteria()
    return {c["key"]: c["weight"] for c in criteria}, {c["key"]: (c["min"], c["max"]) for c in criteria}


def round_totals(round_: Round, entry_ids=None) -> dict[tuple[str, str], float]:
    """(entry, judge) → weighted total on 0–100 from submitted assignments."""
    qs = Score.objects.filter(round=round_, assignment__state=Assignment.State.SUBMITTED)
    if entry_ids is not None:
        qs = qs.filter(entry_id__in=list(entry_ids))
    rows = [(str(e), str(j), c, v) for e, j, c, v in qs.values_list("entry_id", "judge_id", "criterion", "value")]
    weights, ranges = _ranges(round_)
    return combine_criteria(rows, weights, ranges)


def discrepancy_check(*, round_: Round, entry: Entry, actor: User | None) -> Discrepancy | None:
    """The third-marker rule: when every judge of the entry has submitted and their totals differ by more
    than the tolerance, assign one more judge; if the new score does not settle it (no two scores within
    the tolerance), the chief judge arbitrates."""
    active = Assignment.objects.filter(round=round_, entry=entry).exclude(state="withdrawn")
    if active.exclude(state=Assignment.State.SUBMITTED).exists():
        return None
    totals = sorted(round_totals(round_, [entry.id]).values())
    if len(totals) < 2:
        return None
    # With many judges (anchors, extra marks) one extreme score is not a disagreement: compare the
    # middle scores, as 去掉最高分和最低分 does.
    core = totals[1:-1] if len(totals) >= 4 else totals
    spread = core[-1] - core[0]
    disc = Discrepancy.objects.select_for_update().filter(round=round_, entry=entry).first()
    if spread <= round_.tolerance and disc is None:
        return None
    if disc is None:
        disc = Discrepancy.objects.create(round=round_, entry=entry, spread=spread)
        audit_record(action="judging.discrepancy_opened", obj=disc, actor=actor, campaign=round_.campaign,
                     entry=entry.id, spread=round(spread, 2), tolerance=round_.tolerance)
        try:
            add_judge(round_=round_, entry=entry, reason=Assignment.Reason.DISAGREEMENT, actor=actor)
            return disc
        except AssignmentError:
            pass  # nobody left: straight to the chief judge
    elif disc.status != Discrepancy.Status.EXTRA_JUDGE:
        return disc
    settled = any(b - a <= round_.tolerance for a, b in zip(totals, totals[1:], strict=False))
    disc.spread = spread
    disc.status = Discrepancy.Status.RESOLVED if settled else Discrepancy.Status.ARBITRATION
    if settled:
        disc.resolved_at = timezone.now()
        disc.note = "settled by the extra judge"
    disc.save()
    audit_record(action="judging.discrepancy_settled" if settled else "judging.discrepancy_to_chief", obj=disc,
                 actor=actor, campaign=round_.campaign, entry=entry.id, spread=round(spread, 2))
    return disc


@transaction.atomic
def discrepancy_arbitrate(*, discrepancy: Discrepancy, actor: User, score: float, note: str) -> Discrepancy:
    from judging.selectors import is_chief

    disc = Discrepancy.objects.select_for_update().select_related("round").get(pk=discrepancy.pk)
    if not is_chief(actor, disc.round):
        raise error("not_chief", "只有总评委或组织者可以裁决", "only the chief judge or an organizer may arbitrate", status=403)
    if not (0 <= float(score) <= 100):
        raise error("arbitration_range", "裁决分数应在 0–100 之间", "the arbitrated score must be 0–100")
    if not note.strip():
        raise error("arbitration_note", "请写明裁决理由", "please give the reason for the decision")
    disc.arbitrated_score = float(score)
    disc.note = note.strip()
    disc.status = Discrepancy.Status.RESOLVED
    disc.resolved_by = actor
    disc.resolved_at = timezone.now()
    disc.save()
    audit_record(action="judging.arbitrated", obj=disc, actor=actor, campaign=disc.round.campaign,
                 entry=disc.entry_id, score=float(score), note=disc.note)
    broadcast_progress(disc.round_id)
    return disc
