"""Reads of the quiz layer: leaderboards (people, libraries, the library tree) and ranks.

Leaderboards read QuizResult only (one row per child and event, kept by attempt_finish), so a
board is one indexed query however many answers were given."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Avg, Count, Max, Q, QuerySet, Sum

from campaigns.models import Child, Library
from events.models import Event, QuestionBank, QuizResult
from events.sections import TIE_BREAK_KEYS, event_settings

ORDER_FIELDS = {"score": "-score", "total_time": "total_time_ms", "finished_at": "finished_at"}


def _tie_break(event: Event) -> list[str]:
    quiz = event_settings(event).quiz
    return list(quiz.tie_break) if quiz else list(TIE_BREAK_KEYS)


def result_ordering(event: Event) -> list[str]:
    return [ORDER_FIELDS[key] for key in _tie_break(event)] + ["id"]


def _better_q(result: QuizResult, chain: tuple[str, ...]) -> Q:
    """Rows that rank strictly above `result` under the tie-break chain."""
    lookups = {
        "score": ("score__gt", "score", result.score),
        "total_time": ("total_time_ms__lt", "total_time_ms", result.total_time_ms),
        "finished_at": ("finished_at__lt", "finished_at", result.finished_at),
    }
    better = Q(pk__in=[])
    equal = Q()
    for key in chain:
        strict, field, value = lookups[key]
        better |= equal & Q(**{strict: value})
        equal &= Q(**{field: value})
    # Full ties share the rank: the chain is the rule, ids are not.
    return better


def event_results(event: Event) -> QuerySet[QuizResult]:
    return QuizResult.objects.filter(event=event)


def elders_apart(event: Event) -> bool:
    """Whether elder-mode results are ranked on their own board (else they are flagged in place)."""
    quiz = event_settings(event).quiz
    return quiz is not None and quiz.elders_apart


def child_rank(event: Event, child: Child) -> dict | None:
    result = QuizResult.objects.filter(event=event, child=child).select_related("library").first()
    if result is None:
        return None
    pool = event_results(event)
    if elders_apart(event):
        pool = pool.filter(elder=result.elder)
    rank = pool.filter(_better_q(result, _tie_break(event))).count() + 1
    return {"rank": rank, "of": pool.count(), "score": result.score, "elder": result.elder,
            "total_time_ms": result.total_time_ms, "library": result.library.name, "nickname": child.nickname}


def individual_board(event: Event, *, limit: int = 50, library: Library | None = None,
                     elder: bool | None = None) -> list[dict]:
    """Individuals in rank order; `elder` keeps only (True) or leaves out (False) elder-mode results."""
    qs = event_results(event).select_related("child", "library")
    if elder is not None:
        qs = qs.filter(elder=elder)
    if library is not None:
        qs = qs.filter(library__path__startswith=library.path)
    rows = []
    previous, rank = None, 0
    chain = _tie_break(event)
    for position, result in enumerate(qs.order_by(*result_ordering(event))[:limit], start=1):
        key = tuple((result.score, result.total_time_ms, result.finished_at)[("score", "total_time", "finished_at")
                                                                             .index(k)] for k in chain)
        if key != previous:
            rank, previous = position, key
        rows.append({
            "rank": rank,
            "nickname": result.child.nickname,  # never the child's full name
            "library": result.library.name,
            "library_code": result.library.code,
            "score": result.score,
            "total_time_s": round(result.total_time_ms / 1000, 1),
            "elder": result.elder,
        })
    return rows


def library_board(event: Event) -> list[dict]:
    """Per library: participants, average and best score, completion (answered every question)."""
    rows = (event_results(event).values("library_id", "library__name", "library__code", "library__level")
            .annotate(participants=Count("id"), average=Avg("score"), best=Max("score"),
                      completed=Count("id", filter=Q(completed=True)), total=Sum("score")))
    boards = [{
        "library": row["library__name"], "library_code": row["library__code"], "level": row["library__level"],
        "participants": row["participants"], "average": round(float(row["average"] or 0), 1), "best": row["best"],
        "completion": round(row["completed"] / row["participants"], 3) if row["participants"] else 0.0,
    } for row in rows]
    return _ranked(boards)


def _ranked(rows: list[dict]) -> list[dict]:
    rows.sort(key=lambda r: (-r["average"], -r["participants"], -r["best"], r["library_code"]))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        key = (row["average"], row["participants"], row["best"])
        if key != previous:
            rank, previous = position, key
        row["rank"] = rank
    return rows


def library_rank(event: Event, library: Library) -> dict | None:
    board = library_board(event)
    for row in board:
        if row["library_code"] == library.code:
            return {**row, "of": len(board)}
    return None


def tree_board(event: Event, level: str) -> list[dict]:
    """Roll libraries up to their city or province: every library counts toward its ancestors."""
    depth = {"province": 2, "city": 3}[level]
    per_library = (event_results(event).values("library__path")
                   .annotate(participants=Count("id"), total=Sum("score"), best=Max("score"),
                             completed=Count("id", filter=Q(completed=True))))
    totals: dict[str, dict] = defaultdict(lambda: {"participants": 0, "total": 0, "best": 0, "completed": 0})
    for row in per_library:
        parts = [p for p in row["library__path"].split("/") if p]
        if len(parts) < depth:
            continue
        key = parts[depth - 1]
        bucket = totals[key]
        bucket["participants"] += row["participants"]
        bucket["total"] += row["total"] or 0
        bucket["best"] = max(bucket["best"], row["best"] or 0)
        bucket["completed"] += row["completed"]
    names = dict(Library.objects.filter(code__in=totals).values_list("code", "name"))
    rows = [{
        "library": names.get(code, code), "library_code": code, "level": level,
        "participants": b["participants"], "average": round(b["total"] / b["participants"], 1) if b["participants"] else 0,
        "best": b["best"], "completion": round(b["completed"] / b["participants"], 3) if b["participants"] else 0.0,
    } for code, b in totals.items()]
    return _ranked(rows)


def leaderboard_payload(event: Event, *, limit: int = 20) -> dict:
    """What the live board shows; the same for every subscriber, so it is built once per broadcast."""
    libraries = library_board(event)
    apart = elders_apart(event)
    return {
        "event": event.pk,
        "participants": event_results(event).count(),
        "individuals": individual_board(event, limit=limit, elder=False if apart else None),
        "elders_apart": apart,
        "elders": individual_board(event, limit=limit, elder=True) if apart else [],
        "libraries": libraries[:limit],
        "cities": tree_board(event, "city")[:limit],
        "provinces": tree_board(event, "province")[:limit],
    }


def banks_usable_by(library: Library) -> QuerySet[QuestionBank]:
    """Banks owned by the library or any of its ancestors (shared down the tree)."""
    parts = [p for p in library.path.split("/") if p]
    prefixes = ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
    return QuestionBank.objects.filter(owner__path__in=prefixes)


def quiz_events(campaign=None) -> QuerySet[Event]:
    qs = Event.objects.filter(kind=Event.Kind.QUIZ).select_related("campaign")
    return qs.filter(campaign=campaign) if campaign is not None else qs


def participant_child_ids(campaign_id: int) -> QuerySet:
    """Children with a finished, scored quiz paper in the campaign (practice papers do not count)."""
    return QuizResult.objects.filter(event__campaign_id=campaign_id).values_list("child_id", flat=True)
