"""Every read of the reports layer. This is the one module that knows each app's shape.

The figures of a campaign — whole, or for one library's subtree — are computed by
`campaign_figures()` as a plain JSON-able dict; the page, the WebSocket counters, the JSON API,
the XLSX/CSV exports and `manage.py campaign_report` all render that same dict, so they cannot
disagree. Each source is aggregated once in the database, grouped by (library, local day), and
then folded in Python over the ≤ 460 libraries: the cost grows with libraries × days, not rows.

Sources (app → model → what it counts, attributed to which library):
- campaigns.Registration  → registrations (library = the branch the child came through)
- submissions.Entry       → entries: live (not replaced/withdrawn) and not refused (`rejected`)
- events.QuizAttempt      → attempts: every non-practice sitting, by its start day
- likes (judging/submissions, whichever app defines a Like with an `entry`) → likes, by the entry's library
- wechat.Follower         → followers gained: subscribed during the campaign, by attributed library
- judging (rounds, assignments, scores, appeals, awards) → progress and awards, when the models exist
Participants are unique children (registered, entered or attempted); voters are counted as likes.
Days are local days in the campaign's time zone (Asia/Shanghai by default)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Avg, Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from campaigns.models import Campaign, CampaignLibrary, Library, OrganizerRole, Registration, Stage, User
from campaigns.selectors import campaign_open_stages, is_organizer, organizer_roots, user_can_manage_library
from events.models import Event

LEVELS = [
    ("national", "国家馆 National"),
    ("provincial", "省级馆 Provincial"),
    ("city", "市级馆 City"),
    ("county", "县级馆 County"),
]
LEVEL_LABEL = dict(LEVELS)
MEDIA_LABEL = {"audio": "音频 Audio", "image": "图片 Image", "essay": "文章 Essay", "video": "视频 Video"}
TOP_N = 20


# --- the other apps' shapes -------------------------------------------------------------------------


_tables: dict[str, tuple[float, set[str]]] = {}


def _table_names() -> set[str]:
    """The database's tables, re-read at most once a minute: an app's model counts only once migrated."""
    now = time.monotonic()
    cached = _tables.get(connection.alias)
    if cached and now - cached[0] < 60:
        return cached[1]
    names = set(connection.introspection.table_names())
    _tables[connection.alias] = (now, names)
    return names


def _model(app_label: str, *names: str):
    for name in names:
        try:
            model = apps.get_model(app_label, name)
        except LookupError:
            continue
        return model if model._meta.db_table in _table_names() else None
    return None


def _has(model, field: str) -> bool:
    try:
        model._meta.get_field(field)
        return True
    except Exception:
        return False


def _first_field(model, *names: str) -> str | None:
    return next((n for n in names if _has(model, n)), None)


def entry_model():
    return _model("submissions", "Entry")


def attempt_model():
    return _model("events", "QuizAttempt")


def quiz_result_model():
    return _model("events", "QuizResult")


def like_model():
    for app_label in ("judging", "submissions"):
        model = _model(app_label, "Like", "EntryLike", "Vote")
        if model is not None and _has(model, "entry"):
            return model
    return None


def follower_model():
    model = _model("wechat", "Follower")
    return model if model is not None and _has(model, "library") and _has(model, "subscribed_at") else None


def live_entries(qs: QuerySet) -> QuerySet:
    """Entries that count as received: not superseded, not withdrawn, not refused by validation."""
    return qs.exclude(status__in=["replaced", "withdrawn", "rejected"])


def sources_available() -> dict[str, bool]:
    return {
        "entries": entry_model() is not None,
        "attempts": attempt_model() is not None,
        "likes": like_model() is not None,
        "followers": follower_model() is not None,
        "judging": _model("judging", "Round") is not None,
        "awards": _model("judging", "Result") is not None,
    }


# --- scope ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    campaign: Campaign
    library: Library | None  # None = the whole campaign

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.campaign.timezone or "Asia/Shanghai")


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    """Campaigns an organizer can report on: those with a branch (or the lead library) in their subtrees."""
    qs = Campaign.objects.select_related("lead_library").prefetch_related("stages")
    if user.is_superuser:
        return qs
    roots = organizer_roots(user)
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(branches__library__path__startswith=root.path) | Q(lead_library__path__startswith=root.path)
    return qs.filter(q).distinct()


def default_library_for(user: User, campaign: Campaign) -> Library | None:
    """Superusers and organizers of a library above the campaign's lead library see it whole."""
    if user.is_superuser:
        return None
    roots = organizer_roots(user)
    if any(root.parent_id is None for root in roots):
        return None
    leading = [root for root in roots if campaign.lead_library.is_within(root)]
    candidates = leading or roots
    return min(candidates, key=lambda lib: (lib.rank, lib.path)) if candidates else None


def report_scope(user: User, slug: str, library_code: str | None) -> Scope:
    """The scope a user asked for, or Http404 (unknown) / PermissionError (not theirs)."""
    if not is_organizer(user):
        raise PermissionError("not an organizer")
    campaign = Campaign.objects.select_related("lead_library").filter(slug=slug).first()
    if campaign is None:
        raise Http404("campaign")
    if library_code:
        library = Library.objects.filter(code=library_code).first()
        if library is None:
            raise Http404("library")
        if not user_can_manage_library(user, library):
            raise PermissionError("library outside the organizer's subtree")
        if library.parent_id is None:  # the root of the federation: the whole campaign
            library = None
    else:
        library = default_library_for(user, campaign)
    if not campaigns_visible_to(user).filter(pk=campaign.pk).exists():
        raise Http404("campaign")
    return Scope(campaign=campaign, library=library)


def _scoped(qs: QuerySet, scope: Scope, library_field: str, library_ids: set[int]) -> QuerySet:
    if scope.library is None:
        return qs
    return qs.filter(**{f"{library_field}__in": library_ids})


# --- aggregation helpers ----------------------------------------------------------------------------


@dataclass
class Tally:
    """One source grouped once by (library, local day, event): every per-x count is folded from it."""

    per_library: Counter
    per_day: Counter
    per_event: Counter
    per_event_extra: Counter
    total: int


def _fetch(qs: QuerySet) -> tuple[dict[str, int], list[tuple]]:
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


def _tally(qs: QuerySet | None, *, library_field: str, day, event_field: str | None, extra: Q | None = None) -> Tally:
    """Counts grouped by (library, local day, event) in one pass (a small hash table: libraries × days)."""
    tally = Tally(Counter(), Counter(), Counter(), Counter(), 0)
    if qs is None:
        return tally
    fields = [library_field, "_day"] + ([event_field] if event_field else [])
    aggregates = {"_n": Count("pk")}
    if extra is not None:
        aggregates["_x"] = Count("pk", filter=extra)
    names, rows = _fetch(qs.annotate(_day=day).values(*fields).annotate(**aggregates).order_by())
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


def _tally_people(qs: QuerySet | None, triples: list[tuple], *, event_field: str | None, day,
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
    names, rows = _fetch(grouped.annotate(**aggregates).order_by())
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
        names, rows = _fetch(qs.annotate(_day=day).values("_day").annotate(_n=Count("pk")).order_by())
        for row in rows:
            per_day[_as_date(row[names["_day"]])] += row[names["_n"]]
    return tally


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


# --- the figures ------------------------------------------------------------------------------------


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
    registrations = _scoped(Registration.objects.filter(campaign=campaign), scope, "library_id", in_scope)
    reg = _tally(registrations, library_field="library_id", day=TruncDate("created_at", tzinfo=tz), event_field=None)
    names, rows = _fetch(registrations.values("library_id", "child_id").order_by())  # one per child and campaign
    i_lib, i_child = names["library_id"], names["child_id"]
    triples.extend((row[i_lib], row[i_child], None) for row in rows)

    Entry = entry_model()
    entries = None
    if Entry is not None:
        entries = _scoped(live_entries(Entry.objects.filter(event_id__in=event_ids)), scope, "library_id", in_scope)
    ent = _tally_people(entries, triples, event_field="event_id", day=TruncDate("created_at", tzinfo=tz),
                        extra=Q(status="ready"))

    Attempt = attempt_model()
    attempts = None
    if Attempt is not None:
        attempts = _scoped(Attempt.objects.filter(event_id__in=event_ids, practice=False), scope, "library_id", in_scope)
    att_day_expr = F("local_date") if Attempt and _has(Attempt, "local_date") else TruncDate("started_at", tzinfo=tz)
    att = _tally(attempts, library_field="library_id", day=att_day_expr, event_field="event_id", extra=~Q(status="open"))
    # Quiz participants: a child with a result (a finished paper) in that quiz — one row per child
    # and quiz, far fewer than the attempts; without the results table, the attempts themselves.
    QuizResult = quiz_result_model()
    if attempts is not None and QuizResult is not None:
        results = _scoped(QuizResult.objects.filter(event_id__in=event_ids), scope, "library_id", in_scope)
        names, rows = _fetch(results.values("library_id", "child_id", "event_id").order_by())
        order = [names["library_id"], names["child_id"], names["event_id"]]
        triples.extend((row[order[0]], row[order[1]], row[order[2]]) for row in rows)
    elif attempts is not None:
        _tally_people(attempts, triples, event_field="event_id", day=att_day_expr, day_separately=True)

    Like = like_model()
    likes = None
    if Like is not None:
        likes = Like.objects.filter(entry__event_id__in=event_ids)
        if _has(Like, "voided"):
            likes = likes.filter(voided=False)
        likes = _scoped(likes, scope, "entry__library_id", in_scope)
    like_day_expr = F("day") if Like and _has(Like, "day") else TruncDate("created_at", tzinfo=tz)
    like = _tally(likes, library_field="entry__library_id", day=like_day_expr, event_field="entry__event_id")

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
    Follower = follower_model()
    if Follower is not None:
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
        "entries_by_media": _entries_by_media(entries),
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
    LiveSession = _model("events", "LiveSession")
    if LiveSession is not None and _has(LiveSession, "host"):
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


def _entries_by_media(entries: QuerySet | None) -> list[dict]:
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
    Result = quiz_result_model()
    if attempt_model() is None or Result is None:
        return []
    out = []
    for event in Event.objects.filter(campaign=scope.campaign, kind="quiz").order_by("position", "id"):
        results = _scoped(Result.objects.filter(event=event), scope, "library_id", in_scope)
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
    Round = _model("judging", "Round")
    Assignment = _model("judging", "Assignment")
    if Round is None or Assignment is None:
        return {"available": False, "rounds": []}
    rounds = []
    for rnd in Round.objects.filter(campaign=scope.campaign).select_related("event").order_by("position", "id"):
        qs = Assignment.objects.filter(round=rnd).exclude(state="withdrawn")
        if scope.library is not None:
            qs = qs.filter(entry__library_id__in=in_scope)
        agg = qs.aggregate(n=Count("pk"), done=Count("pk", filter=Q(state="submitted")),
                           entries=Count("entry_id", distinct=True), judges=Count("judge_id", distinct=True))
        results = {"results": 0, "advanced": 0, "awarded": 0, "average_final": None}
        Result = _model("judging", "Result")
        if Result is not None:
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
    Result = _model("judging", "Result")
    if Result is None:
        return {"available": False, "tiers": [], "winners": []}
    qs = Result.objects.filter(round__campaign=scope.campaign).exclude(award_key="")
    qs = _scoped(qs, scope, "entry__library_id", in_scope)
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


# --- the organizer dashboard ------------------------------------------------------------------------


def attention_items(scope: Scope, *, at: datetime | None = None) -> list[dict]:
    """What needs the organizer now, each with a count and where to act. Only for apps that exist."""
    at = at or timezone.now()
    campaign = scope.campaign
    in_scope = None if scope.library is None else set(
        Library.objects.filter(path__startswith=scope.library.path).values_list("pk", flat=True))

    def scoped(qs, field):
        return qs if in_scope is None else qs.filter(**{f"{field}__in": in_scope})

    items = []
    Entry = entry_model()
    if Entry is not None:
        n = scoped(Entry.objects.filter(event__campaign=campaign, status="ready", moderation="pending"), "library_id").count()
        if n:
            items.append({"kind": "moderation", "count": n, "url": "/entries/moderation/",
                          "label": f"{n} 件作品待审核 entries waiting for moderation"})
    Assignment = _model("judging", "Assignment")
    Round = _model("judging", "Round")
    if Assignment is not None and Round is not None:
        behind = judges_behind_schedule(campaign, in_scope, at=at)
        if behind:
            items.append({"kind": "judges_behind", "count": len(behind), "judges": behind,
                          "url": f"/judging/rounds/{behind[0]['round_id']}/progress/",
                          "label": f"{len(behind)} 位评委进度落后 judges behind schedule"})
    Appeal = _model("judging", "Appeal")
    if Appeal is not None:
        appeals = scoped(Appeal.objects.filter(result__round__campaign=campaign, status="open"),
                         "result__entry__library_id")
        n = appeals.count()
        if n:
            round_id = appeals.values_list("result__round_id", flat=True).first()
            items.append({"kind": "appeals", "count": n, "url": f"/judging/rounds/{round_id}/",
                          "label": f"{n} 项申诉待处理 appeals to decide"})
    Push = _model("wechat", "Push")
    if Push is not None:
        n = scoped(Push.objects.filter(campaign=campaign, status="failed"), "library_id").count()
        if n:
            items.append({"kind": "failed_pushes", "count": n, "url": "/admin/wechat/push/",
                          "label": f"{n} 条推送发送失败 pushes failed"})
    return items


def judges_behind_schedule(campaign: Campaign, in_scope: set[int] | None, *, at: datetime) -> list[dict]:
    """Judges of open rounds whose share of submitted scores trails the share of the round's time used
    (by more than 10 points), or who still have work after the round closed."""
    Assignment = _model("judging", "Assignment")
    Round = _model("judging", "Round")
    out = []
    for rnd in Round.objects.filter(campaign=campaign, status__in=["open", "closed"]).exclude(opens_at__isnull=True):
        if rnd.opens_at > at:
            continue
        qs = Assignment.objects.filter(round=rnd).exclude(state="withdrawn")
        if in_scope is not None:
            qs = qs.filter(judge__library_id__in=in_scope)
        if rnd.closes_at and rnd.closes_at > rnd.opens_at:
            elapsed = min(1.0, (at - rnd.opens_at) / (rnd.closes_at - rnd.opens_at))
        else:
            elapsed = 0.0
        rows = qs.values("judge_id", "judge__user__username", "judge__user__display_name").annotate(
            n=Count("pk"), done=Count("pk", filter=Q(state="submitted"))).order_by("judge_id")
        for row in rows:
            share = row["done"] / row["n"] if row["n"] else 1.0
            overdue = rnd.closes_at is not None and at >= rnd.closes_at and row["done"] < row["n"]
            if overdue or share + 0.10 < elapsed:
                out.append({"round": rnd.title, "round_id": rnd.pk, "judge": row["judge__user__display_name"] or row["judge__user__username"],
                            "done": row["done"], "assigned": row["n"], "expected_share": round(elapsed * 100)})
    return out


def dashboard(user: User, *, at: datetime | None = None) -> list[dict]:
    """Each campaign an organizer can see: stage, what needs attention, headline figures of their subtree."""
    at = at or timezone.now()
    out = []
    for campaign in campaigns_visible_to(user):
        scope = Scope(campaign=campaign, library=default_library_for(user, campaign))
        figures = campaign_figures(scope, at=at)
        out.append({
            "slug": campaign.slug, "title": campaign.title, "stage": figures["campaign"]["stage"],
            "scope": figures["scope"], "headline": figures["headline"], "attention": attention_items(scope, at=at),
            "peak": figures["peak"],
        })
    return out
