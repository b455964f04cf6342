"""Writes of the judging workflow. Keyword-only, atomic, audited; side effects after commit."""

from __future__ import annotations

import hashlib
import hmac
import io
import math
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from campaigns.audit import audit_record
from campaigns.models import Campaign, Library, User
from campaigns.selectors import campaign_stage_is_open, child_has_consent
from config.errors import UserFacingError
from events.models import Event
from judging import formula as final_formula
from judging.aggregation import aggregate, combine_criteria, straddling_cut
from judging.assignment import AssignmentError, EntrySpec, JudgeSpec, assign, pick_extra_judge, reassign
from judging.models import (
    Appeal,
    Assignment,
    Certificate,
    Discrepancy,
    Judge,
    Like,
    Panel,
    Result,
    Round,
    Score,
    TieDecision,
)
from judging.selectors import library_tree, scope_key
from submissions.models import Entry

DEFAULT_RUBRIC = [
    {"key": "pronunciation", "label": "发音准确 Pronunciation", "weight": 30, "min": 0, "max": 10, "priority": 1},
    {"key": "rhythm", "label": "节奏韵律 Rhythm", "weight": 25, "min": 0, "max": 10, "priority": 2},
    {"key": "emotion", "label": "情感表达 Expression", "weight": 25, "min": 0, "max": 10, "priority": 3},
    {"key": "fluency", "label": "完整流畅 Fluency", "weight": 20, "min": 0, "max": 10, "priority": 4},
]


def _error(code: str, zh: str, en: str, status: int = 400, **extra) -> UserFacingError:
    return UserFacingError(code, zh, en, status=status, **extra)


def _broadcast_progress(round_id: int) -> None:
    """Tell the chief judge's page to re-read progress (after commit; the page re-reads on connect too)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    def send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(f"judging-round-{round_id}", {"type": "progress.changed"})

    transaction.on_commit(send)


# ---------------------------------------------------------------- rounds from the campaign file

def _when(value, campaign: Campaign, *, end: bool = False):
    if not value:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value)
        dt = parse_datetime(text)
        if dt is None:
            d = parse_date(text)
            if d is None:
                raise _error("round_date", f"评审轮次日期无法识别：{text}", f"cannot read the round date {text!r}")
            dt = datetime.combine(d, datetime.max.time() if end else datetime.min.time())
    if timezone.is_naive(dt):
        from zoneinfo import ZoneInfo

        dt = dt.replace(tzinfo=ZoneInfo(campaign.timezone or "Asia/Shanghai"))
    return dt


@transaction.atomic
def rounds_sync(*, campaign: Campaign, actor: User | None = None) -> list[Round]:
    """Create/update the rounds declared in Campaign.config["judging"]["rounds"] (idempotent)."""
    judging = (campaign.config or {}).get("judging") or {}
    rounds = []
    for position, spec in enumerate(judging.get("rounds") or []):
        key = spec.get("key") or f"r{position + 1}"
        event = Event.objects.filter(campaign=campaign, slug=spec.get("event")).first()
        if event is None:
            raise _error("round_event", f"评审轮次 {key} 的活动项目 {spec.get('event')} 不存在",
                         f"round {key}: event {spec.get('event')!r} does not exist")
        values = {
            "event": event, "title": spec.get("title") or key, "position": position,
            "scope": spec.get("scope") or Round.Scope.NATIONAL,
            "judges_per_entry": int(spec.get("judges_per_entry") or 3),
            "rubric": spec.get("rubric") or DEFAULT_RUBRIC,
            "advance": spec.get("advance") or {},
            "opens_at": _when(spec.get("opens"), campaign), "closes_at": _when(spec.get("closes"), campaign, end=True),
            "tolerance": float(spec.get("tolerance") if spec.get("tolerance") is not None else 15),
            "same_city_conflict": bool(spec.get("same_city_conflict", False)),
            "anchors": int(spec.get("anchors") if spec.get("anchors") is not None else 2),
        }
        round_, created = Round.objects.get_or_create(campaign=campaign, key=key, defaults=values)
        if not created:
            changed = {k: v for k, v in values.items() if getattr(round_, k) != v}
            if changed:
                for k, v in changed.items():
                    setattr(round_, k, v)
                round_.full_clean()
                round_.save()
                audit_record(action="judging.round_updated", obj=round_, actor=actor, campaign=campaign,
                             fields=sorted(changed))
        else:
            audit_record(action="judging.round_created", obj=round_, actor=actor, campaign=campaign, key=key)
        rounds.append(round_)
    return rounds


@transaction.atomic
def round_set_status(*, round_: Round, status: str, actor: User | None) -> Round:
    if status not in Round.Status.values:
        raise _error("round_status", "未知的轮次状态", f"unknown round status {status!r}")
    old = round_.status
    round_.status = status
    round_.save(update_fields=["status"])
    audit_record(action="judging.round_status", obj=round_, actor=actor, campaign=round_.campaign, old=old, new=status)
    return round_


# ---------------------------------------------------------------- judges

@transaction.atomic
def judge_upsert(*, username: str, library: Library, display_name: str = "", phone: str | None = None,
                 capacity: int | None = None, password: str | None = None, actor: User | None = None) -> Judge:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=display_name or username, phone=phone or None)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
    judge, created = Judge.objects.get_or_create(user=user, defaults={"library": library, "capacity": capacity})
    changed = not created and (judge.library_id != library.id or judge.capacity != capacity)
    if changed:
        judge.library, judge.capacity = library, capacity
        judge.save(update_fields=["library", "capacity"])
    if created or changed:
        audit_record(action="judging.judge_created" if created else "judging.judge_updated", obj=judge, actor=actor,
                     library=library.code, capacity=capacity)
    return judge


def judges_import_xlsx(*, data: bytes, panel: Panel | None, actor: User | None) -> list[Judge]:
    """Excel with columns username, name, library_code[, phone, capacity]. All rows are checked first;
    any bad row is reported with its number and nothing is written."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception:
        raise _error("xlsx", "无法读取 Excel 文件，请上传 .xlsx", "cannot read the Excel file; upload an .xlsx") from None
    rows = [r for r in rows if any(r)]
    if not rows:
        raise _error("xlsx_empty", "Excel 文件是空的", "the Excel file is empty")
    header = [h.lower() for h in rows[0]]
    for column in ("username", "library_code"):
        if column not in header:
            raise _error("xlsx_columns", f"缺少列 {column}（需要 username, name, library_code, phone, capacity）",
                         f"missing column {column} (expected username, name, library_code, phone, capacity)")
    libraries = {lib.code: lib for lib in Library.objects.all()}
    parsed, problems = [], []
    for n, row in enumerate(rows[1:], start=2):
        rec = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        if not rec.get("username"):
            problems.append(f"第 {n} 行缺少 username (row {n}: username is empty)")
            continue
        if rec.get("library_code") not in libraries:
            problems.append(f"第 {n} 行图书馆代码未知：{rec.get('library_code')} (row {n}: unknown library code)")
            continue
        capacity = None
        if rec.get("capacity"):
            try:
                capacity = int(float(rec["capacity"]))
            except ValueError:
                problems.append(f"第 {n} 行 capacity 不是整数 (row {n}: capacity is not a number)")
                continue
        parsed.append((rec, capacity))
    if problems:
        raise _error("xlsx_rows", "；".join(problems), "; ".join(problems))
    judges = []
    with transaction.atomic():
        for rec, capacity in parsed:
            judge = judge_upsert(username=rec["username"], library=libraries[rec["library_code"]],
                                 display_name=rec.get("name", ""), phone=rec.get("phone") or None,
                                 capacity=capacity, actor=actor)
            if panel is not None:
                panel.judges.add(judge)
            judges.append(judge)
    return judges


def round_judges(round_: Round) -> list[Judge]:
    qs = round_.panel.judges.all() if round_.panel_id else Judge.objects.all()
    return list(qs.filter(active=True).select_related("library", "user").order_by("id"))


# ---------------------------------------------------------------- assignment

def round_entries(round_: Round) -> list[Entry]:
    """Entries in play: ready, not withdrawn/disqualified, with consent to judging; in later rounds only
    those advanced from the previous round."""
    qs = Entry.objects.filter(event=round_.event, status=Entry.Status.READY).select_related("library", "child")
    previous = Round.objects.filter(campaign=round_.campaign, event=round_.event,
                                    position__lt=round_.position).order_by("-position").first()
    if previous is not None:
        qs = qs.filter(results__round=previous, results__advanced=True)
    entries = list(qs.order_by("id"))
    # The record in force per child is the newest one (an append-only ledger), read in one query.
    from campaigns.models import ConsentRecord

    consent: dict[int, bool] = {}
    for child_id, granted in (ConsentRecord.objects.filter(child_id__in={e.child_id for e in entries},
                                                           purpose="judging")
                              .order_by("recorded_at", "id").values_list("child_id", "granted")):
        consent[child_id] = granted
    return [e for e in entries if consent.get(e.child_id)]


def _specs(judges: list[Judge]) -> list[JudgeSpec]:
    return [JudgeSpec(str(j.id), j.library.code, j.capacity) for j in judges]


@transaction.atomic
def round_assign(*, round_: Round, actor: User | None, seed: int = 0) -> list[Assignment]:
    """Assign every entry of the round that has no active assignment yet (idempotent)."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    judges = round_judges(round_)
    assigned = set(Assignment.objects.filter(round=round_).exclude(state="withdrawn")
                   .values_list("entry_id", flat=True))
    entries = [e for e in round_entries(round_) if e.id not in assigned]
    if not entries:
        return []
    result = assign([EntrySpec(str(e.id), e.library.code) for e in entries], _specs(judges),
                    round_.judges_per_entry, tree=library_tree(), same_city=round_.same_city_conflict,
                    anchors=round_.anchors, seed=seed)
    anchors = set(result.anchors)
    rows = [Assignment(round=round_, entry_id=int(e), judge_id=int(j),
                       reason=Assignment.Reason.ANCHOR if e in anchors else Assignment.Reason.INITIAL)
            for e, j in result.pairs]
    created = Assignment.objects.bulk_create(rows)
    created = list(Assignment.objects.filter(round=round_, entry_id__in=[e.id for e in entries]))
    for a in created:
        audit_record(action="judging.assigned", obj=a, actor=actor, campaign=round_.campaign,
                     round=round_.key, entry=a.entry_id, judge=a.judge_id, reason=a.reason)
    _broadcast_progress(round_.id)
    return created


def _active_pairs(round_: Round) -> list[tuple[str, str]]:
    return [(str(e), str(j)) for e, j in Assignment.objects.filter(round=round_).exclude(state="withdrawn")
            .values_list("entry_id", "judge_id")]


def _apply_reassignment(round_: Round, new_pairs, actor, reason_text: str, barred_pairs: set) -> list[Assignment]:
    """Make the DB match `new_pairs`: withdraw removed active pairs, create added ones."""
    current = {(str(a.entry_id), str(a.judge_id)): a
               for a in Assignment.objects.filter(round=round_).exclude(state="withdrawn")}
    wanted = set(new_pairs)
    created = []
    for key, a in current.items():
        if key not in wanted:
            if a.state == Assignment.State.SUBMITTED and key not in barred_pairs:
                continue  # never discard submitted work to rebalance
            a.state = Assignment.State.WITHDRAWN
            a.withdrawn_reason = reason_text[:200]
            a.save(update_fields=["state", "withdrawn_reason", "updated_at"])
            audit_record(action="judging.unassigned", obj=a, actor=actor, campaign=round_.campaign,
                         entry=a.entry_id, judge=a.judge_id, reason=reason_text)
    for e, j in sorted(wanted - set(current)):
        a, made = Assignment.objects.get_or_create(round=round_, entry_id=int(e), judge_id=int(j),
                                                   defaults={"reason": Assignment.Reason.REASSIGN})
        if not made:  # a previously withdrawn pair comes back
            a.state, a.reason, a.withdrawn_reason = Assignment.State.PENDING, Assignment.Reason.REASSIGN, ""
            a.save(update_fields=["state", "reason", "withdrawn_reason", "updated_at"])
        created.append(a)
        audit_record(action="judging.assigned", obj=a, actor=actor, campaign=round_.campaign,
                     entry=a.entry_id, judge=a.judge_id, reason="reassign", why=reason_text)
    _broadcast_progress(round_.id)
    return created


def _barred(round_: Round) -> set[tuple[str, str]]:
    """Pairs that must never come back: declared conflicts."""
    return {(str(e), str(j)) for e, j in Assignment.objects.filter(
        round=round_, state=Assignment.State.WITHDRAWN, withdrawn_reason__startswith="conflict"
    ).values_list("entry_id", "judge_id")}


@transaction.atomic
def judge_drop(*, round_: Round, judge: Judge, actor: User | None, reason: str = "") -> list[Assignment]:
    """A judge drops out: their unfinished assignments go to others, all constraints kept."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    judges = [j for j in round_judges(round_) if j.id != judge.id]
    entries = list(Entry.objects.filter(assignments__round=round_).distinct().select_related("library"))
    pairs = _active_pairs(round_)
    done = {(str(e), str(j)) for e, j in Assignment.objects.filter(
        round=round_, judge=judge, state=Assignment.State.SUBMITTED).values_list("entry_id", "judge_id")}
    keep = [p for p in pairs if p in done]
    movable = [p for p in pairs if p not in done]
    new_pairs, _changes = reassign(
        [EntrySpec(str(e.id), e.library.code) for e in entries], _specs(judges + [judge]), movable,
        drop_judges={str(judge.id)}, conflicts=_barred(round_), tree=library_tree(),
        same_city=round_.same_city_conflict,
    )
    audit_record(action="judging.judge_dropped", obj=judge, actor=actor, campaign=round_.campaign,
                 round=round_.key, reason=reason)
    return _apply_reassignment(round_, new_pairs + keep, actor, f"judge dropped: {reason}", set())


@transaction.atomic
def assignment_declare_conflict(*, assignment: Assignment, actor: User, reason: str) -> Assignment:
    """The judge declares a conflict of interest on one entry: it goes to another judge."""
    assignment = Assignment.objects.select_for_update().select_related("round", "judge").get(pk=assignment.pk)
    if assignment.judge.user_id != actor.id:
        raise _error("not_yours", "这不是您的评审任务", "this assignment is not yours", status=403)
    if not reason.strip():
        raise _error("reason", "请说明回避原因", "please give the reason for the conflict")
    round_ = assignment.round
    entry = assignment.entry
    assignment.state = Assignment.State.WITHDRAWN
    assignment.withdrawn_reason = f"conflict: {reason.strip()}"[:200]
    assignment.save(update_fields=["state", "withdrawn_reason", "updated_at"])
    Score.objects.filter(assignment=assignment).delete()
    audit_record(action="judging.conflict_declared", obj=assignment, actor=actor, campaign=round_.campaign,
                 entry=entry.id, judge=assignment.judge_id, reason=reason.strip())
    _add_judge(round_=round_, entry=entry, reason=Assignment.Reason.REASSIGN, actor=actor)
    return assignment


def _loads(round_: Round) -> dict[str, int]:
    return {str(r["judge_id"]): r["n"] for r in Assignment.objects.filter(round=round_).exclude(state="withdrawn")
            .values("judge_id").annotate(n=Count("id"))}


def _add_judge(*, round_: Round, entry: Entry, reason: str, actor: User | None) -> Assignment:
    judges = round_judges(round_)
    taken = {str(j) for j in Assignment.objects.filter(round=round_, entry=entry).values_list("judge_id", flat=True)}
    loads = _loads(round_)
    chosen = pick_extra_judge(EntrySpec(str(entry.id), entry.library.code), _specs(judges), loads,
                              exclude=taken, tree=library_tree(), same_city=round_.same_city_conflict)
    a = Assignment.objects.create(round=round_, entry=entry, judge_id=int(chosen.id), reason=reason)
    audit_record(action="judging.assigned", obj=a, actor=actor, campaign=round_.campaign,
                 entry=entry.id, judge=a.judge_id, reason=reason)
    _broadcast_progress(round_.id)
    return a


# ---------------------------------------------------------------- scoring

def _check_open(round_: Round) -> None:
    if not round_.is_open():
        raise _error("round_closed", "本轮评审未开放或已截止，不能修改评分", "this round is not open; scores cannot change",
                     status=409)


def _own(assignment: Assignment, actor: User) -> None:
    if assignment.judge.user_id != actor.id:
        raise _error("not_yours", "这不是您的评审任务", "this assignment is not yours", status=403)
    if assignment.state == Assignment.State.WITHDRAWN:
        raise _error("withdrawn", "此评审任务已撤销", "this assignment was withdrawn", status=409)


@transaction.atomic
def assignment_track_play(*, assignment: Assignment, actor: User, played_seconds: float) -> Assignment:
    """Record how much of the media the judge played (the furthest total, never decreasing)."""
    assignment = Assignment.objects.select_for_update().select_related("judge", "entry").get(pk=assignment.pk)
    _own(assignment, actor)
    if not isinstance(played_seconds, int | float) or math.isnan(played_seconds) or played_seconds < 0:
        raise _error("played", "播放时长无效", "invalid played time")
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
        raise _error("submitted", "评分已提交；如需修改请先“重新打开”", "already submitted; reopen it to change", status=409)
    criteria = round_.criteria()
    clean: dict[str, float] = {}
    for c in criteria:
        raw = values.get(c["key"])
        if raw in (None, ""):
            if submit:
                raise _error("score_missing", f"请为“{c['label']}”打分", f"please score {c['label']}", criterion=c["key"])
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise _error("score_number", f"“{c['label']}”的分数必须是数字", f"the score for {c['label']} must be a number",
                         criterion=c["key"]) from None
        if math.isnan(value) or not (c["min"] <= value <= c["max"]):
            raise _error("score_range", f"“{c['label']}”的分数应在 {c['min']:g}–{c['max']:g} 之间",
                         f"the score for {c['label']} must be between {c['min']:g} and {c['max']:g}",
                         criterion=c["key"])
        clean[c["key"]] = value
    unknown = set(values) - {c["key"] for c in criteria}
    if unknown:
        raise _error("score_unknown", f"评分表中没有这些项：{', '.join(sorted(unknown))}",
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
    _broadcast_progress(round_.id)
    return assignment


@transaction.atomic
def assignment_reopen(*, assignment: Assignment, actor: User) -> Assignment:
    assignment = Assignment.objects.select_for_update().select_related("round", "judge").get(pk=assignment.pk)
    _own(assignment, actor)
    _check_open(assignment.round)
    if assignment.state != Assignment.State.SUBMITTED:
        raise _error("not_submitted", "只有已提交的评分可以重新打开", "only a submitted score can be reopened", status=409)
    assignment.state = Assignment.State.REOPENED
    assignment.save(update_fields=["state", "updated_at"])
    audit_record(action="judging.score_reopened", obj=assignment, actor=actor, campaign=assignment.round.campaign,
                 entry=assignment.entry_id)
    _broadcast_progress(assignment.round_id)
    return assignment


# ---------------------------------------------------------------- totals, discrepancies

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
            _add_judge(round_=round_, entry=entry, reason=Assignment.Reason.DISAGREEMENT, actor=actor)
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
        raise _error("not_chief", "只有总评委或组织者可以裁决", "only the chief judge or an organizer may arbitrate", status=403)
    if not (0 <= float(score) <= 100):
        raise _error("arbitration_range", "裁决分数应在 0–100 之间", "the arbitrated score must be 0–100")
    if not note.strip():
        raise _error("arbitration_note", "请写明裁决理由", "please give the reason for the decision")
    disc.arbitrated_score = float(score)
    disc.note = note.strip()
    disc.status = Discrepancy.Status.RESOLVED
    disc.resolved_by = actor
    disc.resolved_at = timezone.now()
    disc.save()
    audit_record(action="judging.arbitrated", obj=disc, actor=actor, campaign=disc.round.campaign,
                 entry=disc.entry_id, score=float(score), note=disc.note)
    _broadcast_progress(disc.round_id)
    return disc


# ---------------------------------------------------------------- likes

def voter_hash(voter_key: str) -> str:
    """Salted hash of the voter (account id or WeChat openid): likes never store who voted."""
    salt = getattr(settings, "LIKES_SALT", "") or settings.SECRET_KEY
    return hmac.new(f"likes:{salt}".encode(), voter_key.encode(), hashlib.sha256).hexdigest()


def _likes_settings(campaign: Campaign) -> dict:
    cfg = (campaign.config or {}).get("likes") or {}
    return {
        "event": cfg.get("event"),
        "per_voter_per_entry_per_day": int(cfg.get("per_voter_per_entry_per_day") or 1),
        "per_voter_per_day": int(cfg.get("per_voter_per_day") or 20),
        "per_minute": int(cfg.get("per_minute") or 10),
        "burst_per_network_10min": int(cfg.get("burst_per_network_10min") or 15),
    }


def like_add(*, entry: Entry, voter_key: str, source: str = "web", network: str = "", at: datetime | None = None) -> Like:
    """One like per verified voter per entry per day (DB constraint), daily and per-minute limits,
    bursts from one network flagged for organizers."""
    at = at or timezone.now()
    campaign = entry.event.campaign
    cfg = _likes_settings(campaign)
    if not voter_key:
        raise _error("like_login", "请先登录或通过微信进入后再点赞", "log in (or open from WeChat) to like", status=401)
    if not campaign_stage_is_open(campaign, "likes_open", at):
        raise _error("likes_closed", "现在不是点赞时间", "likes are not open now", status=409)
    if cfg["event"] and entry.event.slug != cfg["event"]:
        raise _error("likes_event", "这个项目不开放点赞", "this event does not take likes", status=409)
    from submissions.access import gallery_visible

    if not gallery_visible(entry):  # ready, approved, and the guardian's gallery consent in force
        raise _error("like_entry", "这件作品不在展示区", "this entry is not in the gallery", status=404)
    vh = voter_hash(voter_key)
    from zoneinfo import ZoneInfo

    day: date = at.astimezone(ZoneInfo(campaign.timezone or "Asia/Shanghai")).date()
    minute_key = f"likes:rate:{vh}:{int(at.timestamp() // 60)}"
    if cache.get_or_set(minute_key, 0, 120) >= cfg["per_minute"]:
        raise _error("like_rate", "点赞太频繁，请稍后再试", "too many likes; please wait a minute", status=429)
    try:
        cache.incr(minute_key)
    except ValueError:
        cache.set(minute_key, 1, 120)
    if Like.objects.filter(voter_hash=vh, day=day).count() >= cfg["per_voter_per_day"]:
        raise _error("like_daily", f"今天的点赞次数已用完（每天 {cfg['per_voter_per_day']} 次）",
                     f"you have used today's {cfg['per_voter_per_day']} likes", status=429)
    nh = voter_hash(f"net:{network}") if network else ""
    flagged = ""
    if nh:
        recent = Like.objects.filter(entry=entry, network_hash=nh, created_at__gte=at - timedelta(minutes=10)).count()
        if recent + 1 >= cfg["burst_per_network_10min"]:
            flagged = "burst_same_network"
    try:
        with transaction.atomic():
            like = Like.objects.create(entry=entry, voter_hash=vh, day=day, source=source, network_hash=nh,
                                       created_at=at, flagged=flagged)
    except IntegrityError:
        raise _error("like_once", "今天已经为这件作品点过赞了，明天再来吧", "you already liked this entry today",
                     status=409) from None
    if flagged:
        Like.objects.filter(entry=entry, network_hash=nh, created_at__gte=at - timedelta(minutes=10),
                            flagged="").update(flagged=flagged)
        audit_record(action="judging.likes_flagged", obj=entry, campaign=campaign, reason=flagged)
    return like


@transaction.atomic
def likes_void(*, likes, actor: User, reason: str) -> int:
    if not reason.strip():
        raise _error("void_reason", "作废点赞必须写明原因", "a reason is required to void likes")
    ids = list(likes.filter(voided=False).values_list("id", flat=True))
    now = timezone.now()
    Like.objects.filter(id__in=ids).update(voided=True, void_reason=reason.strip()[:200], voided_by=actor, voided_at=now)
    by_entry = defaultdict(int)
    for entry_id in Like.objects.filter(id__in=ids).values_list("entry_id", flat=True):
        by_entry[entry_id] += 1
    for entry_id, n in by_entry.items():
        entry = Entry.objects.select_related("event__campaign").get(pk=entry_id)
        audit_record(action="judging.likes_voided", obj=entry, actor=actor, campaign=entry.event.campaign,
                     count=n, reason=reason.strip())
    return len(ids)


# ---------------------------------------------------------------- results

def _official(campaign: Campaign) -> str:
    value = ((campaign.config or {}).get("judging") or {}).get("official_score") or "calibrated"
    return value if value in ("calibrated", "trimmed_mean", "raw_mean") else "calibrated"


def _tie_chain(campaign: Campaign) -> list[str]:
    chain = ((campaign.config or {}).get("judging") or {}).get("tie_break")
    return list(chain or ["priority_criterion", "head_to_head", "chief"])


def _priority_scores(round_: Round, entry_ids) -> dict[int, list[float]]:
    """Per entry: mean 0–100 score of each criterion in priority order (1 first)."""
    criteria = sorted(round_.criteria(), key=lambda c: (c["priority"] or 99, c["key"]))
    sums: dict[tuple[int, str], list[float]] = defaultdict(list)
    for e, c, v in Score.objects.filter(round=round_, entry_id__in=list(entry_ids),
                                        assignment__state=Assignment.State.SUBMITTED).values_list(
            "entry_id", "criterion", "value"):
        sums[(e, c)].append(v)
    out = {}
    for e in entry_ids:
        vals = []
        for c in criteria:
            got = sums.get((e, c["key"]))
            span = (c["max"] - c["min"]) or 1
            vals.append(round((sum(got) / len(got) - c["min"]) / span * 100, 4) if got else 0.0)
        out[e] = vals
    return out


def _decided_order(round_: Round) -> dict[int, int]:
    """Entry → position from the latest logged tie decision that names it."""
    pos: dict[int, int] = {}
    for decision in round_.tie_decisions.order_by("decided_at", "id"):
        for n, entry_id in enumerate(decision.entry_ids):
            pos[int(entry_id)] = n
    return pos


def rank_with_ties(round_: Round, items: list[dict]) -> list[dict]:
    """Sort by final score (2 decimals) and break ties by the declared chain. Entries still tied keep
    the same rank and are flagged "tie" for the chief judge."""
    chain = _tie_chain(round_.campaign)
    prio = _priority_scores(round_, [i["entry_id"] for i in items]) if "priority_criterion" in chain else {}
    decided = _decided_order(round_) if ({"head_to_head", "chief"} & set(chain)) else {}

    def key(item):
        parts = [-round(item["final"], 2)]
        for link in chain:
            if link == "priority_criterion":
                parts.append(tuple(-v for v in prio.get(item["entry_id"], [])))
            elif link in ("head_to_head", "chief"):
                parts.append(decided.get(item["entry_id"], 10**6))
            elif link in ("calibrated", "trimmed_mean", "raw_mean"):
                parts.append(-round(item.get(link) or 0, 4))
            elif link == "likes":
                parts.append(-item.get("likes", 0))
        return tuple(parts)

    ordered = sorted(items, key=key)
    rank = 0
    previous = None
    for n, item in enumerate(ordered, start=1):
        k = key(item)
        if k != previous:
            rank = n
        item["rank"] = rank
        item["tie_note"] = ""
        previous = k
    keys = [key(i) for i in ordered]
    for n, item in enumerate(ordered):
        tied_score = [m for m in ordered if round(m["final"], 2) == round(item["final"], 2) and m is not item]
        if (n > 0 and keys[n - 1] == keys[n]) or (n + 1 < len(ordered) and keys[n + 1] == keys[n]):
            item["tie_note"] = "unresolved tie"
            item["flags"] = sorted(set(item["flags"]) | {"tie"})
        elif tied_score:
            item["tie_note"] = "tie broken by " + ", ".join(chain)
    return ordered


def _advance_count(round_: Round, n: int) -> int:
    rule = round_.advance or {}
    if "top" in rule:
        return min(n, int(rule["top"]))
    if "top_percent" in rule:
        return min(n, math.ceil(n * float(rule["top_percent"]) / 100))
    return 0


@transaction.atomic
def round_compute_results(*, round_: Round, actor: User | None) -> list[Result]:
    """Aggregate the round, apply likes and the declared formula, rank per scope with the tie chain,
    mark advancement and awards. Every changed result is audited."""
    round_ = Round.objects.select_for_update().select_related("campaign", "event").get(pk=round_.pk)
    if round_.status == Round.Status.FINAL:
        raise _error("round_final", "本轮结果已定稿，不能重新计算", "results of this round are final", status=409)
    campaign = round_.campaign
    totals = round_totals(round_)
    if not totals:
        raise _error("no_scores", "本轮还没有提交的评分", "no submitted scores in this round yet", status=409)
    agg = aggregate(totals, tolerance=round_.tolerance, expected_per_entry=round_.judges_per_entry)
    official = _official(campaign)
    arbitrated = {d.entry_id: d.arbitrated_score for d in round_.discrepancies.filter(arbitrated_score__isnull=False)}
    awaiting = set(round_.discrepancies.filter(status=Discrepancy.Status.ARBITRATION).values_list("entry_id", flat=True))
    entries = {e.id: e for e in Entry.objects.filter(id__in=[int(r.entry_id) for r in agg.entries])
               .select_related("library__parent", "child")}
    scoring = (campaign.config or {}).get("scoring") or {}
    formula = scoring.get("formula") or "panel"
    final_formula.parse(formula)
    likes_event = ((campaign.config or {}).get("likes") or {}).get("event")
    use_likes = final_formula.uses_likes(formula) and (not likes_event or likes_event == round_.event.slug)
    from judging.selectors import valid_likes

    like_counts = valid_likes(entries) if use_likes else {}
    by_scope: dict[str, list[dict]] = defaultdict(list)
    for r in agg.entries:
        entry = entries[int(r.entry_id)]
        panel = {"calibrated": r.calibrated, "trimmed_mean": r.trimmed_mean, "raw_mean": r.raw_mean}[official]
        flags = list(r.flags)
        if entry.id in arbitrated:
            panel = arbitrated[entry.id]
            flags.append("arbitrated")
        if entry.id in awaiting:
            flags.append("awaiting_arbitration")
        by_scope[scope_key(entry.library, round_.scope)].append({
            "entry_id": entry.id, "r": r, "panel": panel, "likes": like_counts.get(entry.id, 0), "flags": flags,
            "calibrated": r.calibrated, "trimmed_mean": r.trimmed_mean, "raw_mean": r.raw_mean,
        })
    awards = [a for a in ((campaign.config or {}).get("awards") or [])
              if (not a.get("event") or a.get("event") == round_.event.slug) and a.get("kind") != "organisation"]
    is_last = not Round.objects.filter(campaign=campaign, event=round_.event, position__gt=round_.position).exists()
    saved = []
    for scope, items in by_scope.items():
        max_likes = max((i["likes"] for i in items), default=0)
        for i in items:
            i["likes_norm"] = (100.0 * i["likes"] / max_likes) if max_likes else 0.0
            i["final"] = final_formula.evaluate(formula, panel=i["panel"], likes=i["likes_norm"])
        ordered = rank_with_ties(round_, items)
        n_adv = _advance_count(round_, len(ordered))
        # Award tiers in order: the first `count` get the first award, the next the second...
        tiers = []
        if is_last:
            for award in awards:
                if (award.get("scope") or round_.scope) == round_.scope:
                    tiers += [award] * int(award.get("count") or 0)
        for pos, item in enumerate(ordered):
            r = item["r"]
            award = tiers[pos] if pos < len(tiers) and "tie" not in item["flags"] else None
            values = {
                "scope_key": scope, "n_scores": r.n_scores, "raw_mean": r.raw_mean, "trimmed_mean": r.trimmed_mean,
                "calibrated": r.calibrated, "ci_low": r.ci_low, "ci_high": r.ci_high, "panel_score": item["panel"],
                "likes": item["likes"], "likes_normalised": item["likes_norm"], "final_score": item["final"],
                "rank": item["rank"], "advanced": item["rank"] <= n_adv, "flags": item["flags"],
                "award_key": award.get("key", "") if award else "", "award_title": award.get("title", "") if award else "",
                "tie_note": item["tie_note"],
            }
            result, created = Result.objects.get_or_create(round=round_, entry_id=item["entry_id"], defaults=values)
            changed = created
            if not created:
                diff = {k: v for k, v in values.items() if getattr(result, k) != v}
                if diff:
                    for k, v in diff.items():
                        setattr(result, k, v)
                    result.save()
                    changed = True
            if changed:
                audit_record(action="judging.result_changed", obj=result, actor=actor, campaign=campaign,
                             entry=item["entry_id"], final=round(item["final"], 3), rank=item["rank"],
                             award=values["award_key"], advanced=values["advanced"])
            saved.append(result)
    return saved


@transaction.atomic
def round_top_up(*, round_: Round, actor: User | None) -> list[Assignment]:
    """Entries whose interval straddles the advancement cut get one more judge first."""
    totals = round_totals(round_)
    if not totals:
        return []
    agg = aggregate(totals, tolerance=round_.tolerance)
    entries = {e.id: e for e in Entry.objects.filter(id__in=[int(r.entry_id) for r in agg.entries])
               .select_related("library__parent")}
    by_scope = defaultdict(list)
    for r in agg.entries:
        by_scope[scope_key(entries[int(r.entry_id)].library, round_.scope)].append(r)
    campaign = round_.campaign
    is_last = not Round.objects.filter(campaign=campaign, event=round_.event, position__gt=round_.position).exists()
    award_cuts, total = [], 0
    if is_last:
        for award in (campaign.config or {}).get("awards") or []:
            if award.get("kind") != "organisation" and (award.get("event") in (None, round_.event.slug)) and (
                    (award.get("scope") or round_.scope) == round_.scope):
                total += int(award.get("count") or 0)
                award_cuts.append(total)
    added = []
    for results in by_scope.values():
        near: list[str] = []
        for cut in {_advance_count(round_, len(results)), *award_cuts}:
            near += straddling_cut(results, cut)
        for entry_id in dict.fromkeys(near):
            entry = entries[int(entry_id)]
            if Assignment.objects.filter(round=round_, entry=entry, reason=Assignment.Reason.STRADDLE).exists():
                continue
            try:
                added.append(_add_judge(round_=round_, entry=entry, reason=Assignment.Reason.STRADDLE, actor=actor))
            except AssignmentError:
                continue
    return added


@transaction.atomic
def tie_decide(*, round_: Round, entry_ids: list[int], reason: str, actor: User) -> TieDecision:
    from judging.selectors import is_chief

    if not is_chief(actor, round_):
        raise _error("not_chief", "只有总评委可以裁定并列", "only the chief judge may decide a tie", status=403)
    if not reason.strip() or len(entry_ids) < 2:
        raise _error("tie_reason", "请列出并列作品的顺序并写明理由", "list the tied entries in order and give a reason")
    decision = TieDecision.objects.create(round=round_, entry_ids=[int(e) for e in entry_ids], reason=reason.strip(),
                                          decided_by=actor)
    audit_record(action="judging.tie_decided", obj=decision, actor=actor, campaign=round_.campaign,
                 order=decision.entry_ids, reason=decision.reason)
    return decision


@transaction.atomic
def appeal_file(*, result: Result, user: User, reason: str) -> Appeal:
    result = Result.objects.select_related("round__campaign", "entry__child").get(pk=result.pk)
    if result.round.status != Round.Status.PUBLICITY:
        raise _error("appeal_closed", "只有在公示期内才能申诉", "appeals can only be filed during the public review",
                     status=409)
    if result.entry.child.guardian_id != user.id and not user.is_staff:
        raise _error("appeal_owner", "只有作品的家长可以申诉", "only the entry's guardian may appeal", status=403)
    if len(reason.strip()) < 5:
        raise _error("appeal_reason", "请写明申诉理由（至少 5 个字）", "please explain the appeal (at least 5 characters)")
    appeal = Appeal.objects.create(result=result, filed_by=user, reason=reason.strip()[:4000])
    audit_record(action="judging.appeal_filed", obj=appeal, actor=user, campaign=result.round.campaign,
                 entry=result.entry_id, reason=appeal.reason)
    return appeal


@transaction.atomic
def appeal_resolve(*, appeal: Appeal, actor: User, status: str, resolution: str) -> Appeal:
    from judging.selectors import can_manage_round

    appeal = Appeal.objects.select_for_update().select_related("result__round__campaign").get(pk=appeal.pk)
    if not can_manage_round(actor, appeal.result.round):
        raise _error("not_organizer", "只有组织者可以处理申诉", "only organizers resolve appeals", status=403)
    if status not in (Appeal.Status.UPHELD, Appeal.Status.REJECTED):
        raise _error("appeal_status", "请选择“采纳”或“驳回”", "choose upheld or rejected")
    if not resolution.strip():
        raise _error("appeal_resolution", "请写明处理意见", "please write the resolution")
    appeal.status, appeal.resolution = status, resolution.strip()
    appeal.resolved_by, appeal.resolved_at = actor, timezone.now()
    appeal.save()
    audit_record(action="judging.appeal_resolved", obj=appeal, actor=actor, campaign=appeal.result.round.campaign,
                 status=status, resolution=appeal.resolution)
    return appeal


@transaction.atomic
def round_publicize(*, round_: Round, actor: User | None) -> Round:
    if not round_.results.exists():
        raise _error("no_results", "请先计算结果再公示", "compute the results before the public review", status=409)
    return round_set_status(round_=round_, status=Round.Status.PUBLICITY, actor=actor)


@transaction.atomic
def round_finalize(*, round_: Round, actor: User | None) -> list[Certificate]:
    if Appeal.objects.filter(result__round=round_, status=Appeal.Status.OPEN).exists():
        raise _error("appeals_open", "还有未处理的申诉，不能定稿", "resolve the open appeals before finalising", status=409)
    round_set_status(round_=round_, status=Round.Status.FINAL, actor=actor)
    return certificates_issue(round_=round_, actor=actor)


def certificates_issue(*, round_: Round, actor: User | None) -> list[Certificate]:
    certs = []
    for result in round_.results.exclude(award_key="").select_related("entry__child", "entry__library"):
        child = result.entry.child
        name = child.display_name if child_has_consent(child, "publish_name") else child.nickname
        cert, created = Certificate.objects.get_or_create(
            entry=result.entry, award_key=result.award_key,
            defaults={"campaign": round_.campaign, "award_title": result.award_title, "child_name": name,
                      "library_name": result.entry.library.name},
        )
        if created:
            audit_record(action="judging.certificate_issued", obj=cert, actor=actor, campaign=round_.campaign,
                         entry=result.entry_id, award=result.award_key, code=cert.code)
        certs.append(cert)
    return certs


def round_judge_models(round_: Round) -> list[dict]:
    """Each judge's estimated habits in this round (for the chief judge): leniency in points against the
    panel's average, gain relative to the panel (1 = typical, near 0 = not following the work), noise."""
    totals = round_totals(round_)
    if not totals:
        return []
    agg = aggregate(totals, tolerance=round_.tolerance)
    if not agg.judges:
        return []
    mean_bias = sum(m.bias for m in agg.judges.values()) / len(agg.judges)
    mean_gain = sum(m.gain for m in agg.judges.values()) / len(agg.judges) or 1.0
    names = {str(j.id): str(j) for j in Judge.objects.filter(id__in=[int(k) for k in agg.judges]).select_related("user")}
    return sorted((
        {"judge_id": int(k), "name": names.get(k, k), "n": m.n_scores, "leniency": round(m.bias - mean_bias, 1),
         "gain": round(m.gain / mean_gain, 2), "noise": round(m.noise_sd, 1),
         "careless": m.gain / mean_gain < 0.3}
        for k, m in agg.judges.items()), key=lambda d: d["name"])
