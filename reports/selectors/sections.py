"""Sections of the figures: per event, per quiz, judging progress and awards."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Avg, Count, Max, Min, Q, QuerySet

from events.models import Event, QuizResult
from judging.models import Assignment, Result, Round
from reports.selectors.labels import MEDIA_LABEL
from reports.selectors.scope import Scope, scoped_to
from reports.selectors.tally import Tally


def entries_by_media(entries: QuerySet | None) -> list[dict]:
    if entries is None:
        return []
    counts = dict(entries.values_list("kind").annotate(n=Count("pk")).order_by())
    return [{"media": k, "label": MEDIA_LABEL.get(k, k), "entries": counts[k]} for k in MEDIA_LABEL if counts.get(k)]


def event_figures(scope: Scope, entries, ent: Tally, att: Tally, like: Tally,
                  children_by_event: dict[int, set[int]]) -> list[dict]:
    events = list(Event.objects.filter(campaign=scope.campaign).order_by("position", "id"))
    by_media: dict[int, Counter] = defaultdict(Counter)
    pending_moderation = Counter()
    if entries is not None:
        for event_id, kind, n in entries.values_list("event_id", "kind").annotate(n=Count("pk")).order_by():
            by_media[event_id][kind] = n
        pending_moderation.update(dict(
            entries.filter(status="ready", moderation="pending").values_list("event_id").annotate(n=Count("pk")).order_by()
        ))
    out = []
    for event in events:
        out.append({
            "slug": event.slug, "title": event.title, "kind": event.kind, "kind_label": str(event.get_kind_display()),
            "participants": len(children_by_event.get(event.pk, ())),
            "attempts": att.per_event[event.pk], "entries": ent.per_event[event.pk],
            "entries_ready": ent.per_event_extra[event.pk],
            "entries_to_moderate": pending_moderation[event.pk], "likes": like.per_event[event.pk],
            "by_media": {k: by_media[event.pk].get(k, 0) for k in MEDIA_LABEL},
        })
    return out


def _median(qs: QuerySet, n: int) -> float | None:
    """The median score by index lookups (no million values pulled into Python)."""
    if n == 0:
        return None
    ordered = qs.order_by("score").values_list("score", flat=True)
    if n % 2:
        return ordered[n // 2]
    low, high = ordered[n // 2 - 1: n // 2 + 1]
    return (low + high) / 2


def quiz_figures(scope: Scope, in_scope: set[int], att: Tally) -> list[dict]:
    """Per quiz event: sittings, finishers, and the best-score results (nicknames only)."""
    out = []
    for event in Event.objects.filter(campaign=scope.campaign, kind="quiz").order_by("position", "id"):
        results = scoped_to(QuizResult.objects.filter(event=event), scope, "library_id", in_scope)
        stats = results.aggregate(n=Count("pk"), avg=Avg("score"), top=Max("score"), low=Min("score"),
                                  completed=Count("pk", filter=Q(completed=True)))
        top = [
            {"rank": i, "nickname": r.child.nickname, "library": r.library.name, "score": r.score,
             "seconds": round(r.total_time_ms / 1000, 1)}
            for i, r in enumerate(
                results.select_related("child", "library").order_by("-score", "total_time_ms", "finished_at", "pk")[:10],
                start=1,
            )
        ]
        out.append({
            "slug": event.slug, "title": event.title,
            "attempts": att.per_event[event.pk], "attempts_finished": att.per_event_extra[event.pk],
            "participants": stats["n"], "completed": stats["completed"],
            "average_best_score": round(stats["avg"], 1) if stats["avg"] is not None else None,
            "median_best_score": _median(results, stats["n"]),
            "highest_score": stats["top"], "lowest_best_score": stats["low"],
            "top": top,
        })
    return out


def judging_figures(scope: Scope, in_scope: set[int]) -> dict:
    """Judging progress per round: assignments submitted of those due, entries, judges, open appeals."""
    rounds = []
    for rnd in Round.objects.filter(campaign=scope.campaign).select_related("event").order_by("position", "id"):
        qs = Assignment.objects.filter(round=rnd).exclude(state="withdrawn")
        if scope.library is not None:
            qs = qs.filter(entry__library_id__in=in_scope)
        agg = qs.aggregate(n=Count("pk"), done=Count("pk", filter=Q(state="submitted")),
                           entries=Count("entry_id", distinct=True), judges=Count("judge_id", distinct=True))
        rq = Result.objects.filter(round=rnd)
        if scope.library is not None:
            rq = rq.filter(entry__library_id__in=in_scope)
        r = rq.aggregate(results=Count("pk"), advanced=Count("pk", filter=Q(advanced=True)),
                         awarded=Count("pk", filter=~Q(award_key="")), average_final=Avg("final_score"))
        results = {**r, "average_final": round(r["average_final"], 2) if r["average_final"] is not None else None}
        rounds.append({
            "key": rnd.key, "title": rnd.title, "event": rnd.event.slug, "scope": rnd.scope,
            "status": rnd.status, "status_label": str(rnd.get_status_display()),
            "opens_at": rnd.opens_at.isoformat() if rnd.opens_at else None,
            "closes_at": rnd.closes_at.isoformat() if rnd.closes_at else None,
            "entries": agg["entries"], "judges": agg["judges"],
            "assignments": agg["n"], "assignments_done": agg["done"],
            "progress": round(100 * agg["done"] / agg["n"], 1) if agg["n"] else None,
            **results,
        })
    return {"available": True, "rounds": rounds}


def award_figures(scope: Scope, in_scope: set[int], libs: dict) -> dict:
    """Awards given (judging results carrying an award), per tier and per library."""
    qs = Result.objects.filter(round__campaign=scope.campaign).exclude(award_key="")
    qs = scoped_to(qs, scope, "entry__library_id", in_scope)
    winners, tiers = [], Counter()
    titles = {}
    for key, title, lib_id, round_status in qs.values_list("award_key", "award_title", "entry__library_id",
                                                           "round__status").order_by("award_key", "rank", "pk"):
        lib = libs.get(lib_id)
        winners.append({"tier": key, "title": title, "library_code": lib.code if lib else "",
                        "library": lib.name if lib else "", "final": round_status == "final"})
        tiers[key] += 1
        titles[key] = title or key
    return {
        "available": True,
        "tiers": [{"tier": titles[k], "key": k, "count": n} for k, n in sorted(tiers.items())],
        "winners": winners,
    }
