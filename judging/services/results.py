"""Results of a round: aggregation, the final-score formula, ranking with the tie chain, top-ups."""

from __future__ import annotations

import math
from collections import defaultdict

from django.db import transaction

from campaigns.audit import audit_record
from campaigns.models import Campaign, User
from judging import formula as final_formula
from judging.aggregation import aggregate, straddling_cut
from judging.assignment import AssignmentError
from judging.models import (
    Assignment,
    Discrepancy,
    Judge,
    Result,
    Round,
    Score,
    TieDecision,
)
from judging.sections import judging_options
from judging.selectors import scope_key
from judging.services.assignments import add_judge
from judging.services.common import error
from judging.services.scoring import round_totals
from submissions.models import Entry


def _official(campaign: Campaign) -> str:
    return judging_options(campaign).official_score


def _tie_chain(campaign: Campaign) -> list[str]:
    return judging_options(campaign).tie_break


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
        raise error("round_final", "本轮结果已定稿，不能重新计算", "results of this round are final", status=409)
    campaign = round_.campaign
    if round_.method == Round.Method.COMPARATIVE:
        from judging.services.comparisons import comparative_entries

        agg_entries = comparative_entries(round_)
        if not agg_entries:
            raise error("no_comparisons", "本轮还没有完成的比较", "no comparisons decided in this round yet", status=409)
        official = "calibrated"  # the fitted scale; its 0–100 form is the chance of beating an average entry
    else:
        totals = round_totals(round_)
        if not totals:
            raise error("no_scores", "本轮还没有提交的评分", "no submitted scores in this round yet", status=409)
        agg_entries = aggregate(totals, tolerance=round_.tolerance, expected_per_entry=round_.judges_per_entry).entries
        official = _official(campaign)
    arbitrated = {d.entry_id: d.arbitrated_score for d in round_.discrepancies.filter(arbitrated_score__isnull=False)}
    awaiting = set(round_.discrepancies.filter(status=Discrepancy.Status.ARBITRATION).values_list("entry_id", flat=True))
    entries = {e.id: e for e in Entry.objects.filter(id__in=[int(r.entry_id) for r in agg_entries])
               .select_related("library__parent", "child")}
    options = judging_options(campaign)
    formula = options.final_formula
    final_formula.parse(formula)
    likes_event = options.likes_rules.event
    use_likes = final_formula.uses_likes(formula) and (not likes_event or likes_event == round_.event.slug)
    from judging.selectors import valid_likes

    like_counts = valid_likes(entries) if use_likes else {}
    by_scope: dict[str, list[dict]] = defaultdict(list)
    for r in agg_entries:
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
    awards = options.entry_awards(round_.event.slug)
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
                if award.scope == round_.scope:
                    tiers += [award] * award.count
        for pos, item in enumerate(ordered):
            r = item["r"]
            award = tiers[pos] if pos < len(tiers) and "tie" not in item["flags"] else None
            values = {
                "scope_key": scope, "n_scores": r.n_scores, "raw_mean": r.raw_mean, "trimmed_mean": r.trimmed_mean,
                "calibrated": r.calibrated, "ci_low": r.ci_low, "ci_high": r.ci_high, "panel_score": item["panel"],
                "rank_low": getattr(r, "rank_low", None), "rank_high": getattr(r, "rank_high", None),
                "likes": item["likes"], "likes_normalised": item["likes_norm"], "final_score": item["final"],
                "rank": item["rank"], "advanced": item["rank"] <= n_adv, "flags": item["flags"],
                "award_key": award.key if award else "", "award_title": award.title if award else "",
                "award_title_en": (award.title_en or "") if award else "",
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
        for award in judging_options(campaign).entry_awards(round_.event.slug):
            if award.scope == round_.scope:
                total += award.count
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
                added.append(add_judge(round_=round_, entry=entry, reason=Assignment.Reason.STRADDLE, actor=actor))
            except AssignmentError:
                continue
    return added


@transaction.atomic
def tie_decide(*, round_: Round, entry_ids: list[int], reason: str, actor: User) -> TieDecision:
    from judging.selectors import is_chief

    if not is_chief(actor, round_):
        raise error("not_chief", "只有总评委可以裁定并列", "only the chief judge may decide a tie", status=403)
    if not reason.strip() or len(entry_ids) < 2:
        raise error("tie_reason", "请列出并列作品的顺序并写明理由", "list the tied entries in order and give a reason")
    decision = TieDecision.objects.create(round=round_, entry_ids=[int(e) for e in entry_ids], reason=reason.strip(),
                                          decided_by=actor)
    audit_record(action="judging.tie_decided", obj=decision, actor=actor, campaign=round_.campaign,
                 order=decision.entry_ids, reason=decision.reason)
    return decision


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
