"""Aggregation helpers: each source grouped once by (library, local day, event), read without the ORM's per-row cost."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Q, QuerySet


@dataclass
class Tally:
    """One source grouped once by (library, local day, event): every per-x count is folded from it."""

    per_library: Counter
    per_day: Counter
    per_event: Counter
    per_event_extra: Counter
    total: int


def fetch(qs: QuerySet) -> tuple[dict[str, int], list[tuple]]:
    """Run a values()/annotate() query and return (column → index, raw rows).

    Skips the ORM's per-row converters and dicts, which cost more than the query itself on a
    million-row campaign; dates that the backend returns as text are parsed by `_as_date`."""
    compiler = qs.query.get_compiler(using=qs.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # e.g. `event_id IN ()` for a campaign without events
        return {alias: i for i, (_e, _s, alias) in enumerate(compiler.select)}, []
    names = {alias: i for i, (_expr, _sql, alias) in enumerate(compiler.select)}
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return names, cursor.fetchall()


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value) if isinstance(value, str) else value


def tally_source(qs: QuerySet | None, *, library_field: str, day, event_field: str | None, extra: Q | None = None) -> Tally:
    """Counts grouped by (library, local day, event) in one pass (a small hash table: libraries × days)."""
    tally = Tally(Counter(), Counter(), Counter(), Counter(), 0)
    if qs is None:
        return tally
    fields = [library_field, "_day"] + ([event_field] if event_field else [])
    aggregates = {"_n": Count("pk")}
    if extra is not None:
        aggregates["_x"] = Count("pk", filter=extra)
    names, rows = fetch(qs.annotate(_day=day).values(*fields).annotate(**aggregates).order_by())
    i_lib, i_day, i_n, i_x = names[library_field], names["_day"], names["_n"], names.get("_x")
    i_event = names[event_field] if event_field else None
    for row in rows:
        n = row[i_n]
        tally.per_library[row[i_lib]] += n
        tally.per_day[_as_date(row[i_day])] += n
        if i_event is not None:
            tally.per_event[row[i_event]] += n
            if i_x is not None:
                tally.per_event_extra[row[i_event]] += row[i_x]
        tally.total += n
    return tally


def tally_people(qs: QuerySet | None, triples: list[tuple], *, event_field: str | None, day,
                  extra: Q | None = None, day_separately: bool = False) -> Tally:
    """Counts of a per-child source, and its distinct (library, child, event) triples, in one pass.

    Grouped by (library, child, event[, day]); with `day_separately` (sources with many rows per
    child and day) the day series comes from a second, much smaller grouping by day alone."""
    tally = Tally(Counter(), Counter(), Counter(), Counter(), 0)
    if qs is None:
        return tally
    fields = ["library_id", "child_id"] + ([event_field] if event_field else [])
    aggregates = {"_n": Count("pk")}
    if extra is not None:
        aggregates["_x"] = Count("pk", filter=extra)
    grouped = qs.annotate(_day=day).values(*fields, *([] if day_separately else ["_day"]))
    names, rows = fetch(grouped.annotate(**aggregates).order_by())
    i_lib, i_child, i_n = names["library_id"], names["child_id"], names["_n"]
    i_event = names[event_field] if event_field else None
    i_x = names.get("_x")
    i_day = None if day_separately else names["_day"]
    per_library, per_event, per_event_extra, per_day = (
        tally.per_library, tally.per_event, tally.per_event_extra, tally.per_day)
    total = 0
    for row in rows:
        n, lib = row[i_n], row[i_lib]
        event_id = row[i_event] if i_event is not None else None
        per_library[lib] += n
        total += n
        if event_id is not None:
            per_event[event_id] += n
            if i_x is not None:
                per_event_extra[event_id] += row[i_x]
        if i_day is not None:
            per_day[_as_date(row[i_day])] += n
        triples.append((lib, row[i_child], event_id))
    tally.total = total
    if day_separately:
        names, rows = fetch(qs.annotate(_day=day).values("_day").annotate(_n=Count("pk")).order_by())
        for row in rows:
            per_day[_as_date(row[names["_day"]])] += row[names["_n"]]
    return tally
