"""Comparative rounds: the next pair for a judge, the judge's choice, and the fit that results read.
The method itself (pairing, Bradley–Terry, reliability) lives in judging/comparative.py."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import User
from judging import comparative
from judging.assignment import EntrySpec, JudgeSpec
from judging.models import Comparison, Judge, Round
from judging.selectors import library_tree
from judging.services.assignments import round_entries
from judging.services.common import broadcast_progress, error
from judging.services.judges import round_judges

JUDGE_SHARE = 1.5


def _check(round_: Round, judge: Judge) -> None:
    if round_.method != Round.Method.COMPARATIVE:
        raise error("not_comparative", "本轮不是比较式评审", "this round is not a comparative round", status=409)
    if not round_.is_open():
        raise error("round_closed", "本轮评审未开放或已截止", "this round is not open", status=409)
    if judge.id not in {j.id for j in round_judges(round_)}:
        raise error("not_on_panel", "您不是本轮的评委", "you are not a judge of this round", status=403)


def _decided(round_: Round) -> list[comparative.Judgement]:
    rows = (Comparison.objects.filter(round=round_).exclude(winner="")
            .values_list("entry_a_id", "entry_b_id", "judge_id", "winner").order_by("id"))
    return [comparative.Judgement(str(a), str(b), str(j), w) for a, b, j, w in rows]


def _state(round_: Round) -> comparative.PairingState:
    entries = round_entries(round_)
    judges = round_judges(round_)
    done = _decided(round_)
    # Pairs already handed out and not yet decided count as taken, so two judges are not given the
    # same pair at once and a judge never gets a pair twice.
    open_rows = Comparison.objects.filter(round=round_, winner="").values_list("entry_a_id", "entry_b_id", "judge_id")
    taken = [comparative.Judgement(str(a), str(b), str(j), comparative.TIE) for a, b, j in open_rows]
    return comparative.PairingState(
        entries=[EntrySpec(str(e.id), e.library.code) for e in entries],
        judges=[JudgeSpec(str(j.id), j.library.code, j.capacity) for j in judges],
        done=done + taken, tree=library_tree(), same_city=round_.same_city_conflict,
        seed=round_.id * 1_000_003 + len(done),
    )


def comparison_next(*, round_: Round, judge: Judge) -> Comparison | None:
    """The judge's open comparison, or a new one chosen by the adaptive pairing; None when the judge
    has nothing left they may compare (every eligible pair seen, or the round's quota reached)."""
    _check(round_, judge)
    pending = Comparison.objects.filter(round=round_, judge=judge, winner="").first()
    if pending is not None:
        return pending
    state = _state(round_)
    target = math.ceil(len(state.entries) * round_.comparisons_per_entry / 2)
    counts = comparative.comparisons_per_entry([d for d in state.done])
    if len(state.done) >= target and all(counts.get(e.id, 0) >= round_.comparisons_per_entry for e in state.entries):
        return None
    # Spread the work: no judge takes more than JUDGE_SHARE × their equal share of the round, so no
    # single taste decides the order; the slack lets fast judges carry slow ones.
    mine = sum(1 for d in state.done if d.judge == str(judge.id))
    if mine >= math.ceil(JUDGE_SHARE * target / max(len(state.judges), 1)):
        return None
    pair = comparative.next_pair_for_judge(state, str(judge.id))
    if pair is None:
        return None
    try:
        with transaction.atomic():
            return Comparison.objects.create(round=round_, judge=judge, entry_a_id=int(pair[0]), entry_b_id=int(pair[1]))
    except IntegrityError:  # a second tab of the same judge created one first: use it
        return Comparison.objects.filter(round=round_, judge=judge, winner="").first()


@transaction.atomic
def comparison_decide(*, comparison: Comparison, actor: User, winner: str) -> Comparison:
    comparison = Comparison.objects.select_for_update().select_related("round", "judge").get(pk=comparison.pk)
    if comparison.judge.user_id != actor.id:
        raise error("not_yours", "这不是您的比较任务", "this comparison is not yours", status=403)
    if winner not in Comparison.Winner.values:
        raise error("winner", "请选择左边、右边或难分高下", "choose left, right or too close to call")
    if comparison.winner:
        if comparison.winner == winner:
            return comparison  # a double click or a resent form: already recorded
        raise error("decided", "这组比较已经提交", "this comparison was already submitted", status=409)
    if not comparison.round.is_open():
        raise error("round_closed", "本轮评审未开放或已截止", "this round is not open", status=409)
    comparison.winner = winner
    comparison.decided_at = timezone.now()
    comparison.save(update_fields=["winner", "decided_at"])
    audit_record(action="judging.comparison_decided", obj=comparison, actor=actor, campaign=comparison.round.campaign,
                 winner=winner)
    broadcast_progress(comparison.round_id)
    return comparison


@dataclass
class ComparativeEntry:
    """The comparative counterpart of aggregation.EntryResult, so results are computed by one machine."""

    entry_id: str
    n_scores: int
    raw_mean: float          # share of comparisons won, 0–100 (a tie is half)
    trimmed_mean: float
    calibrated: float        # 100 × the chance of beating an entry of average quality
    ci_low: float
    ci_high: float
    rank: int
    rank_low: int
    rank_high: int
    flags: list[str] = field(default_factory=list)


def _scaled(theta: float) -> float:
    return round(100.0 / (1.0 + math.exp(-theta)), 3)


def round_comparative_fit(round_: Round) -> comparative.Fit | None:
    """The fit of every decided comparison, cached per round and number of decisions (each decision
    changes the count, so the cache never serves a stale fit)."""
    stamp = (Comparison.objects.filter(round=round_).exclude(winner="")
             .aggregate(n=Count("id"), last=Max("decided_at")))
    if not stamp["n"]:
        return None
    key = f"judging:cj-fit:{round_.id}:{stamp['n']}:{stamp['last'].timestamp() if stamp['last'] else 0}"
    result = cache.get(key)
    if result is None:
        result = comparative.fit(_decided(round_), seed=round_.id)
        cache.set(key, result, 3600)
    return result


def comparative_entries(round_: Round) -> list[ComparativeEntry]:
    result = round_comparative_fit(round_)
    if result is None:
        return []
    out = []
    for e in result.entries:
        won = 100.0 * e.wins / e.n_comparisons if e.n_comparisons else 0.0
        flags = ["few_comparisons"] if e.n_comparisons < round_.comparisons_per_entry else []
        out.append(ComparativeEntry(
            entry_id=e.entry_id, n_scores=e.n_comparisons, raw_mean=round(won, 3), trimmed_mean=round(won, 3),
            calibrated=_scaled(e.score), ci_low=_scaled(e.score - comparative.Z95 * e.se),
            ci_high=_scaled(e.score + comparative.Z95 * e.se), rank=e.rank, rank_low=e.rank_low,
            rank_high=e.rank_high, flags=flags,
        ))
    return out


def comparative_summary(round_: Round) -> dict:
    """What the chief judge watches: progress, SSR, split-half, and each judge's weight and misfit."""
    decided = Comparison.objects.filter(round=round_).exclude(winner="").count()
    n_entries = len(round_entries(round_))
    target = math.ceil(n_entries * round_.comparisons_per_entry / 2)
    result = round_comparative_fit(round_)
    judges = {}
    if result is not None:
        names = {str(j.id): (j.user.display_name or j.user.username) for j in
                 Judge.objects.filter(id__in=[int(k) for k in result.judges]).select_related("user")}
        judges = [{"judge_id": int(k), "name": names.get(k, k), "n": m.n_judgements, "weight": round(m.weight, 2),
                   "infit": round(m.infit, 2), "flagged": m.flagged}
                  for k, m in sorted(result.judges.items(), key=lambda kv: -kv[1].infit)]
    counts = [e.n_comparisons for e in result.entries] if result else []
    return {
        "decided": decided, "target": target, "entries": n_entries,
        "min_per_entry": min(counts) if counts and len(counts) == n_entries else 0,
        "ssr": round(result.ssr, 3) if result else None,
        "split_half": round(result.split_half, 3) if result and result.split_half is not None else None,
        "judges": judges or [],
    }
