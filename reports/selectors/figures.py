"""The figures of a campaign, whole or for one library's subtree: one JSON-able dict that every report renders."""

from __future__ import annotations

from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns.models import Campaign, CampaignLibrary, Library, OrganizerRole, Registration, Stage
from campaigns.selectors import campaign_open_stages
from events.models import Event, LiveSession, QuizAttempt, QuizResult
from judging.models import Like
from reports.selectors.labels import LEVELS
from reports.selectors.scope import Scope, scoped_to
from reports.selectors.sections import award_figures, entries_by_media, event_figures, judging_figures, quiz_figures
from reports.selectors.sources import live_entries, sources_available
from reports.selectors.tally import fetch, tally_people, tally_source
from submissions.models import Entry
from wechat.models import Follower

TOP_N = 20


def _city_code(path: str) -> str | None:
    parts = path.strip("/").split("/")
    return parts[2] if len(parts) >= 3 else None


def _date_range(days: set[date]) -> list[date]:
    if not days:
        return []
    first, last = min(days), max(days)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def campaign_window(campaign: Campaign) -> tuple[datetime | None, datetime | None]:
    stages = list(campaign.stages.all())
    if not stages:
        return None, None
    starts = min(s.starts_at for s in stages)
    ends = [s.ends_at for s in stages]
    return starts, (None if any(e is None for e in ends) else max(ends))


def campaign_stage(campaign: Campaign, at: datetime | None = None) -> dict:
    """The stage the campaign is in now (the latest open one), else the last one that began."""
    at = at or timezone.now()
    open_stages = campaign_open_stages(campaign, at)
    if open_stages:
        stage = max(open_stages, key=lambda s: (Stage.ORDER.index(s.kind), s.starts_at))
    else:
        begun = [s for s in campaign.stages.all() if s.starts_at <= at]
        stage = max(begun, key=lambda s: s.starts_at) if begun else None
    if stage is None:
        return {"kind": "draft", "label": str(Stage.Kind.DRAFT.label), "open": False}
    return {"kind": stage.kind, "label": str(stage.get_kind_display()), "open": stage.is_open(at),
            "starts_at": stage.starts_at.isoformat(), "ends_at": stage.ends_at.isoformat() if stage.ends_at else None}


@contextmanager
def _report_memory():
    """On PostgreSQL, room for the hash aggregates over a million rows (instead of sorting on disk)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '64MB'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")


def campaign_figures(scope: Scope, *, at: datetime | None = None) -> dict:
    """All figures of a campaign (or a subtree of it). See docs/reports.md for every key."""
    with _report_memory():
        return _campaign_figures(scope, at=at)


def _campaign_figures(scope: Scope, *, at: datetime | None) -> dict:
    campaign, tz = scope.campaign, scope.tz
    at = at or timezone.now()
    libs = {lib.pk: lib for lib in Library.objects.all().only("pk", "code", "name", "level", "province", "path")}
    by_code = {lib.code: lib for lib in libs.values()}
    in_scope = {pk for pk, lib in libs.items() if scope.library is None or lib.path.startswith(scope.library.path)}
    available = sources_available()

    # Registrations, entries, attempts, likes: each read in one grouped pass (attempts in two: they
    # repeat per child and day, so their day series comes from a cheap second grouping).
    event_ids = list(Event.objects.filter(campaign=campaign).values_list("pk", flat=True))
    triples: list[tuple] = []
    registrations = scoped_to(Registration.objects.filter(campaign=campaign), scope, "library_id", in_scope)
    reg = tally_source(registrations, library_field="library_id", day=TruncDate("created_at", tzinfo=tz), event_field=None)
    names, rows = fetch(registrations.values("library_id", "child_id").order_by())  # one per child and campaign
    i_lib, i_child = names["library_id"], names["child_id"]
    triples.extend((row[i_lib], row[i_child], None) for row in rows)

    entries = scoped_to(live_entries(Entry.objects.filter(event_id__in=event_ids)), scope, "library_id", in_scope)
    ent = tally_people(entries, triples, event_field="event_id", day=TruncDate("created_at", tzinfo=tz),
                        extra=Q(status="ready"))

    attempts = scoped_to(QuizAttempt.objects.filter(event_id__in=event_ids, practice=False), scope, "library_id",
                         in_scope)
    att = tally_source(attempts, library_field="library_id", day=F("local_date"), event_field="event_id",
                       extra=~Q(status=QuizAttempt.Status.OPEN))
    # Quiz participants: a child with a result (a finished paper) in that quiz — one row per child
    # and quiz, far fewer than the attempts.
    results = scoped_to(QuizResult.objects.filter(event_id__in=event_ids), scope, "library_id", in_scope)
    names, rows = fetch(results.values("library_id", "child_id", "event_id").order_by())
    order = [names["library_id"], names["child_id"], names["event_id"]]
    triples.extend((row[order[0]], row[order[1]], row[order[2]]) for row in rows)

    likes = scoped_to(Like.objects.filter(entry__event_id__in=event_ids, voided=False), scope, "entry__library_id",
                      in_scope)
    like = tally_source(likes, library_field="entry__library_id", day=F("day"), event_field="entry__event_id")

    reg_lib, reg_day, reg_total = reg.per_library, reg.per_day, reg.total
    ent_lib, ent_day, ent_total = ent.per_library, ent.per_day, ent.total
    att_lib, att_day, att_total = att.per_library, att.per_day, att.total
    like_lib, like_day, like_total = like.per_library, like.per_day, like.total

    # Participants: distinct children over every way a child takes part, by library and by event.
    children_by_lib: dict[int, set[int]] = defaultdict(set)
    children_by_event: dict[int, set[int]] = defaultdict(set)
    for lib, child, event_id in triples:
        children_by_lib[lib].add(child)
        if event_id is not None:
            children_by_event[event_id].add(child)
    del triples
    everyone = set().union(*children_by_lib.values()) if children_by_lib else set()
    participants_total = len(everyone)

    # Visits.
    visits = _visits(scope, in_scope)

    # Followers gained during the campaign, by attributed library.
    followers_lib: Counter = Counter()
    start, end = campaign_window(campaign)
    fq = Follower.objects.filter(library_id__in=in_scope, subscribed_at__isnull=False)
    if start:
        fq = fq.filter(subscribed_at__gte=start)
    if end:
        fq = fq.filter(subscribed_at__lt=end)
    followers_lib.update(dict(fq.values_list("library_id").annotate(n=Count("pk")).order_by()))

    awards = award_figures(scope, in_scope, libs)
    awards_lib: Counter = Counter()
    for row in awards["winners"]:
        lib = by_code.get(row["library_code"])
        if lib is not None:
            awards_lib[lib.pk] += 1

    running = _libraries_running_events(campaign, in_scope, libs)

    # Per library.
    branch_ids = set(CampaignLibrary.objects.filter(campaign=campaign).values_list("library_id", flat=True))
    touched = (set(reg_lib) | set(ent_lib) | set(att_lib) | set(like_lib) | set(children_by_lib)
               | set(followers_lib) | set(visits["per_library"]) | running | (branch_ids & in_scope) | set(awards_lib))
    library_rows = []
    for pk in sorted(touched & in_scope, key=lambda p: libs[p].path):
        lib = libs[pk]
        city = by_code.get(_city_code(lib.path) or "")
        participations = att_lib[pk] + ent_lib[pk] + like_lib[pk]
        library_rows.append({
            "code": lib.code, "name": lib.name, "level": lib.level, "province": lib.province,
            "city": city.name if city and lib.level in ("city", "county") else "",
            "branch": pk in branch_ids,
            "takes_part": bool(children_by_lib.get(pk)) or pk in running,
            "runs_event": pk in running,
            "participants": len(children_by_lib.get(pk, ())),
            "registrations": reg_lib[pk], "attempts": att_lib[pk], "entries": ent_lib[pk], "likes": like_lib[pk],
            "participations": participations,
            "followers_gained": followers_lib[pk], "awards": awards_lib[pk],
            "pv": visits["per_library"].get(pk, {}).get("pv", 0), "uv": visits["per_library"].get(pk, {}).get("uv", 0),
        })
    rows_by_pk = {by_code[row["code"]].pk: row for row in library_rows}
    taking_part = {pk for pk, row in rows_by_pk.items() if row["takes_part"]}

    # Day by day.
    all_days = set(reg_day) | set(ent_day) | set(att_day) | set(like_day) | set(visits["per_day"])
    day_rows = []
    for day in _date_range(all_days):
        v = visits["per_day"].get(day, {"pv": 0, "uv": 0})
        day_rows.append({
            "date": day.isoformat(), "pv": v["pv"], "uv": v["uv"], "registrations": reg_day[day],
            "attempts": att_day[day], "entries": ent_day[day], "likes": like_day[day],
            "participations": att_day[day] + ent_day[day] + like_day[day],
        })
    peak = {
        "visits": _peak(day_rows, "pv"),
        "participations": _peak(day_rows, "participations"),
    }

    headline = {
        "visits_pv": visits["pv"], "visits_uv": visits["uv"],
        "participants": participants_total,
        "participations": att_total + ent_total + like_total,
        "registrations": reg_total, "attempts": att_total, "entries": ent_total, "likes": like_total,
        "libraries_taking_part": len(taking_part),
        "libraries_taking_part_by_level": {lvl: sum(1 for pk in taking_part if libs[pk].level == lvl) for lvl, _ in LEVELS},
        "followers_gained": sum(followers_lib.values()),
        "awards": len(awards["winners"]),
    }

    return {
        "campaign": {
            "slug": campaign.slug, "title": campaign.title, "title_en": campaign.title_en,
            "timezone": campaign.timezone, "lead_library": campaign.lead_library.code,
            "stage": campaign_stage(campaign, at),
        },
        "scope": _scope_dict(scope.library),
        "generated_at": at.astimezone(tz).isoformat(timespec="seconds"),
        "available": available,
        "headline": headline,
        "days": day_rows,
        "peak": peak,
        "by_level": _by_level(rows_by_pk, libs, children_by_lib, in_scope, branch_ids),
        "by_province": _by_region(rows_by_pk, libs, children_by_lib, key="province"),
        "by_city": _by_region(rows_by_pk, libs, children_by_lib, key="city"),
        "events": event_figures(scope, entries, ent, att, like, children_by_event),
        "entries_by_media": entries_by_media(entries),
        "top_libraries_participation": _top(library_rows, "participations"),
        "top_libraries_entries": _top(library_rows, "entries"),
        "libraries": library_rows,
        "quiz": quiz_figures(scope, in_scope, att),
        "judging": judging_figures(scope, in_scope),
        "awards": awards,
    }


def _scope_dict(library: Library | None) -> dict:
    if library is None:
        return {"library": None, "name": "全部 Whole campaign", "level": None}
    return {"library": library.code, "name": library.name, "level": library.level}


def _peak(day_rows: list[dict], key: str) -> dict | None:
    best = max(day_rows, key=lambda r: (r[key], r["date"]), default=None)
    if not best or best[key] == 0:
        return None
    # The earliest day with the highest value, so the mark is stable.
    best = min((r for r in day_rows if r[key] == best[key]), key=lambda r: r["date"])
    return {"date": best["date"], "value": best[key]}


def _visits(scope: Scope, in_scope: set[int]) -> dict:
    from reports.models import VisitorDay

    qs = VisitorDay.objects.filter(campaign=scope.campaign)
    if scope.library is not None:
        # The campaign page itself belongs to the subtree that holds the lead library.
        if scope.campaign.lead_library.is_within(scope.library):
            qs = qs.filter(Q(library_id__in=in_scope) | Q(library__isnull=True))
        else:
            qs = qs.filter(library_id__in=in_scope)
    per_day = {row["day"]: {"pv": row["pv"] or 0, "uv": 0} for row in qs.values("day").annotate(pv=Sum("views")).order_by()}
    # Daily unique visitors across the scope's pages: a hashed DISTINCT, then a count per day
    # (COUNT(DISTINCT) would sort every row).
    sql, params = qs.values("day", "visitor").distinct().order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT day, COUNT(*) FROM ({sql}) AS visitor_days GROUP BY day", params)
        for day, uv in cursor.fetchall():
            day = date.fromisoformat(day) if isinstance(day, str) else day
            per_day.setdefault(day, {"pv": 0, "uv": 0})["uv"] = uv
    per_library = {
        row["library_id"]: {"pv": row["pv"] or 0, "uv": row["uv"]}
        for row in qs.filter(library__isnull=False).values("library_id").annotate(pv=Sum("views"), uv=Count("pk")).order_by()
    }
    return {
        "per_day": per_day, "per_library": per_library,
        "pv": sum(v["pv"] for v in per_day.values()), "uv": sum(v["uv"] for v in per_day.values()),
    }


def _libraries_running_events(campaign: Campaign, in_scope: set[int], libs: dict) -> set[int]:
    """The lead library runs the campaign's events; a library whose staff host a live quiz runs one too."""
    running = set()
    if Event.objects.filter(campaign=campaign).exists() and campaign.lead_library_id in in_scope:
        running.add(campaign.lead_library_id)
    hosts = LiveSession.objects.filter(event__campaign=campaign).values_list("host_id", flat=True).distinct()
    host_libs = OrganizerRole.objects.filter(user_id__in=hosts).values_list("library_id", flat=True)
    running.update(pk for pk in host_libs if pk in in_scope)
    return running


def _by_level(rows_by_pk, libs, children_by_lib, in_scope, branch_ids) -> list[dict]:
    out = []
    for level, label in LEVELS:
        pks = [pk for pk, row in rows_by_pk.items() if libs[pk].level == level]
        children = set().union(*(children_by_lib.get(pk, set()) for pk in pks)) if pks else set()
        out.append({
            "level": level, "label": label,
            "branches": sum(1 for pk in branch_ids & in_scope if libs[pk].level == level),
            "libraries_taking_part": sum(1 for pk in pks if rows_by_pk[pk]["takes_part"]),
            "participants": len(children),
            "participations": sum(rows_by_pk[pk]["participations"] for pk in pks),
            "entries": sum(rows_by_pk[pk]["entries"] for pk in pks),
            "pv": sum(rows_by_pk[pk]["pv"] for pk in pks),
        })
    return out


def _by_region(rows_by_pk, libs, children_by_lib, *, key: str) -> list[dict]:
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, row in rows_by_pk.items():
        if key == "city":
            if not row["city"]:
                continue
            groups[(row["province"], row["city"])].append(pk)
        else:
            groups[(row["province"] or "—",)].append(pk)
    out = []
    for group, pks in groups.items():
        children = set().union(*(children_by_lib.get(pk, set()) for pk in pks))
        entry = {"province": group[0]}
        if key == "city":
            entry["city"] = group[1]
        entry.update({
            "libraries_taking_part": sum(1 for pk in pks if rows_by_pk[pk]["takes_part"]),
            "participants": len(children),
            "participations": sum(rows_by_pk[pk]["participations"] for pk in pks),
            "entries": sum(rows_by_pk[pk]["entries"] for pk in pks),
            "pv": sum(rows_by_pk[pk]["pv"] for pk in pks),
        })
        out.append(entry)
    out.sort(key=lambda r: (-r["participations"], -r["participants"], r["province"], r.get("city", "")))
    return out


def _top(library_rows: list[dict], key: str) -> list[dict]:
    ranked = sorted((r for r in library_rows if r[key] > 0), key=lambda r: (-r[key], -r["participants"], r["code"]))
    return [
        {"rank": i, "code": r["code"], "name": r["name"], "level": r["level"], "province": r["province"],
         "participants": r["participants"], "participations": r["participations"], "entries": r["entries"]}
        for i, r in enumerate(ranked[:TOP_N], start=1)
    ]


def live_counters(scope: Scope, *, max_age: float = 0) -> dict:
    """The few numbers the report page refreshes live.

    With `max_age`, a result computed by any worker in the last `max_age` seconds is reused (the
    cache is shared), so many open report pages cost one computation per scope and interval."""
    key = f"reports:live:{scope.campaign.pk}:{scope.library.code if scope.library else '*'}"
    if max_age:
        cached = cache.get(key)
        if cached is not None:
            return cached
    figures = campaign_figures(scope)
    today = timezone.localdate(timezone=scope.tz).isoformat()
    today_row = next((d for d in figures["days"] if d["date"] == today), None) or {}
    data = {
        "headline": figures["headline"],
        "today": {"date": today, "pv": today_row.get("pv", 0), "uv": today_row.get("uv", 0),
                  "participations": today_row.get("participations", 0)},
        "generated_at": figures["generated_at"],
    }
    if max_age:
        cache.set(key, data, max_age)
    return data
