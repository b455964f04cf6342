"""Reads for judging: the library tree, scopes, queues, progress. A judge's view of an entry is
judging/blind.py (the only shape of an entry a judge ever receives)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Q

from campaigns.models import Library, User
from campaigns.selectors import user_can_manage_library
from judging.assignment import LibraryTree
from judging.models import Assignment, Judge, Like, Round
from judging.sections import judging_options

EXAMPLE_LIBRARIES = Path(settings.BASE_DIR) / "campaigns" / "examples" / "libraries.csv"


def library_tree() -> LibraryTree:
    """The library tree from the database, or from campaigns/examples/libraries.csv when the DB has none."""
    try:
        rows = list(Library.objects.select_related("parent").values("code", "level", "parent__code"))
    except DatabaseError:  # an unmigrated database (offline use on a fresh checkout): use the file
        rows = []
    if rows:
        return LibraryTree.from_rows({"code": r["code"], "level": r["level"], "parent_code": r["parent__code"]}
                                     for r in rows)
    with open(EXAMPLE_LIBRARIES, encoding="utf-8-sig") as fh:
        return LibraryTree.from_rows(csv.DictReader(fh))


def scope_key(library: Library, scope: str) -> str:
    """Which ranking an entry from `library` belongs to in a round of this scope."""
    if scope == Round.Scope.LIBRARY:
        return library.code
    parts = [p for p in library.path.split("/") if p]
    if scope == Round.Scope.PROVINCE:
        return parts[1] if len(parts) > 1 else parts[0]
    if scope == Round.Scope.CITY:
        if library.level == Library.Level.COUNTY and library.parent_id:
            return library.parent.code
        return library.code
    return "national"


def judge_of(user: User) -> Judge | None:
    if not user.is_authenticated:
        return None
    return Judge.objects.filter(user=user, active=True).select_related("library").first()


def judge_queue(judge: Judge):
    return (
        Assignment.objects.filter(judge=judge).exclude(state=Assignment.State.WITHDRAWN)
        .select_related("round", "entry").order_by("round__position", "state", "id")
    )


def comparative_rounds_for(judge: Judge) -> list[Round]:
    """Open comparative rounds this judge sits on (a round without a panel takes every active judge)."""
    if not judge.active:
        return []
    qs = (Round.objects.filter(method=Round.Method.COMPARATIVE, status=Round.Status.OPEN)
          .filter(Q(panel__isnull=True) | Q(panel__judges=judge)).select_related("campaign").distinct())
    return [r for r in qs.order_by("campaign_id", "position") if r.is_open()]


def is_chief(user: User, round_: Round) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or user_can_manage_library(user, round_.campaign.lead_library):
        return True
    return bool(round_.panel and round_.panel.chief and round_.panel.chief.user_id == user.id)


def can_manage_round(user: User, round_: Round) -> bool:
    return user.is_authenticated and (user.is_superuser or user_can_manage_library(user, round_.campaign.lead_library))


def round_progress(round_: Round) -> dict:
    """Counts per judge and overall; what the chief judge's page shows (re-read on every connect)."""
    if round_.method == Round.Method.COMPARATIVE:
        return _comparative_progress(round_)
    rows = (
        Assignment.objects.filter(round=round_).exclude(state=Assignment.State.WITHDRAWN)
        .values("judge_id", "judge__user__username", "judge__user__display_name")
        .annotate(total=Count("id"), done=Count("id", filter=Q(state=Assignment.State.SUBMITTED)),
                  fast=Count("id", filter=Q(too_fast=True)))
        .order_by("judge_id")
    )
    judges = [
        {"judge_id": r["judge_id"], "name": r["judge__user__display_name"] or r["judge__user__username"],
         "total": r["total"], "done": r["done"], "fast": r["fast"]}
        for r in rows
    ]
    total = sum(j["total"] for j in judges)
    done = sum(j["done"] for j in judges)
    open_disc = round_.discrepancies.exclude(status="resolved").count()
    return {
        "round": round_.id, "total": total, "done": done,
        "percent": round(100.0 * done / total, 1) if total else 0.0,
        "judges": judges, "open_discrepancies": open_disc,
    }


def _comparative_progress(round_: Round) -> dict:
    """A comparative round's progress: decisions against the target, SSR, split-half, judges' misfit."""
    from judging.services.comparisons import comparative_summary  # the fit is cached there, per decision count

    summary = comparative_summary(round_)
    return {
        "round": round_.id, "total": summary["target"], "done": summary["decided"],
        "percent": round(min(100.0, 100.0 * summary["decided"] / summary["target"]), 1) if summary["target"] else 0.0,
        "judges": [{"judge_id": j["judge_id"], "name": j["name"], "total": j["n"], "done": j["n"], "fast": 0}
                   for j in summary["judges"]],
        "open_discrepancies": 0, "comparative": summary,
    }


def valid_likes(entry_ids) -> dict[int, int]:
    rows = (Like.objects.filter(entry_id__in=list(entry_ids), voided=False)
            .values("entry_id").annotate(n=Count("id")))
    return {r["entry_id"]: r["n"] for r in rows}


def organisation_awards(round_: Round) -> list[dict]:
    """Per-library organisation awards (e.g. 优秀组织奖): awards of `kind: organisation` in the campaign
    file go to the libraries with the most entries in the round, then the most advanced or awarded."""
    from judging.models import Result

    specs = judging_options(round_.campaign).organisation_awards(round_.event.slug)
    if not specs:
        return []
    rows = (Result.objects.filter(round=round_).values("entry__library__code", "entry__library__name")
            .annotate(entries=Count("id"), advanced=Count("id", filter=Q(advanced=True) | ~Q(award_key="")))
            .order_by("-entries", "-advanced", "entry__library__code"))
    ranked = list(rows)
    out, pos = [], 0
    for spec in specs:
        for row in ranked[pos:pos + spec.count]:
            out.append({"award": spec.title, "award_en": spec.title_en or "", "code": row["entry__library__code"],
                        "library": row["entry__library__name"], "entries": row["entries"],
                        "advanced": row["advanced"]})
        pos += spec.count
    return out
