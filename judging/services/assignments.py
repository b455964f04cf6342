"""Who judges what: the first assignment, a judge dropping out, conflicts, one more judge."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count

from campaigns.audit import audit_record
from campaigns.models import User
from judging.assignment import EntrySpec, JudgeSpec, assign, pick_extra_judge, reassign
from judging.models import (
    Assignment,
    Judge,
    Round,
    Score,
)
from judging.selectors import library_tree
from judging.services.common import broadcast_progress, error
from judging.services.judges import round_judges
from submissions.models import Entry


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
    if round_.method == Round.Method.COMPARATIVE:
        raise error("comparative_no_assignment", "比较式评审不预先分配作品：评委打开比较页面即可开始",
                    "a comparative round assigns no entries in advance: judges open the compare page to start",
                    status=409)
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
    broadcast_progress(round_.id)
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
    broadcast_progress(round_.id)
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
        raise error("not_yours", "这不是您的评审任务", "this assignment is not yours", status=403)
    if not reason.strip():
        raise error("reason", "请说明回避原因", "please give the reason for the conflict")
    round_ = assignment.round
    entry = assignment.entry
    assignment.state = Assignment.State.WITHDRAWN
    assignment.withdrawn_reason = f"conflict: {reason.strip()}"[:200]
    assignment.save(update_fields=["state", "withdrawn_reason", "updated_at"])
    Score.objects.filter(assignment=assignment).delete()
    audit_record(action="judging.conflict_declared", obj=assignment, actor=actor, campaign=round_.campaign,
                 entry=entry.id, judge=assignment.judge_id, reason=reason.strip())
    add_judge(round_=round_, entry=entry, reason=Assignment.Reason.REASSIGN, actor=actor)
    return assignment


def _loads(round_: Round) -> dict[str, int]:
    return {str(r["judge_id"]): r["n"] for r in Assignment.objects.filter(round=round_).exclude(state="withdrawn")
            .values("judge_id").annotate(n=Count("id"))}


def add_judge(*, round_: Round, entry: Entry, reason: str, actor: User | None) -> Assignment:
    judges = round_judges(round_)
    taken = {str(j) for j in Assignment.objects.filter(round=round_, entry=entry).values_list("judge_id", flat=True)}
    loads = _loads(round_)
    chosen = pick_extra_judge(EntrySpec(str(entry.id), entry.library.code), _specs(judges), loads,
                              exclude=taken, tree=library_tree(), same_city=round_.same_city_conflict)
    a = Assignment.objects.create(round=round_, entry=entry, judge_id=int(chosen.id), reason=reason)
    audit_record(action="judging.assigned", obj=a, actor=actor, campaign=round_.campaign,
                 entry=entry.id, judge=a.judge_id, reason=reason)
    broadcast_progress(round_.id)
    return a
