"""Reads: a child's points, streaks and badges, the collective goal, and the figures for reports."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Count, Q, Sum

from campaigns.models import Campaign, Child, Library, Registration
from reading.config import BadgeRule, campaign_reading
from reading.models import BadgeAward, Checkin, CheckinSession, PointsEntry, ReadingLog


def reading_days(campaign: Campaign, child: Child) -> list[date]:
    """The child's counted reading days, in order: the days of the ledger's reading rows (a reading row
    exists exactly for each counted log)."""
    return list(PointsEntry.objects.filter(campaign=campaign, child=child, source=PointsEntry.Source.READING)
                .values_list("day", flat=True).order_by("day").distinct())


def run_ending(days: list[date] | set[date], day: date) -> int:
    """How many consecutive days of `days` end on `day`."""
    present = set(days)
    n = 0
    while day - timedelta(days=n) in present:
        n += 1
    return n


def streak_ending(campaign: Campaign, child: Child, day: date) -> int:
    """Consecutive days with a counted log, ending on `day`."""
    return run_ending(reading_days(campaign, child), day)


def longest_streak(days: list[date]) -> int:
    best = run = 0
    previous = None
    for d in sorted(days):
        run = run + 1 if previous is not None and d - previous == timedelta(days=1) else 1
        best = max(best, run)
        previous = d
    return best


# What each badge condition looks at (a field of BadgeRule → a figure of child_stats).
RULE_STATS = {"first_log": "logs", "streak_days": "longest_streak", "minutes": "minutes", "events": "events",
              "recited": "recited", "checkins": "checkins", "points": "points"}


def rule_conditions(rule: BadgeRule) -> list[tuple[str, int]]:
    """(figure, least value) for each condition the rule gives (a yes/no condition needs 1)."""
    return [(stat, 1 if getattr(rule, field) is True else int(getattr(rule, field)))
            for field, stat in RULE_STATS.items() if getattr(rule, field)]


def rule_stats(rule: BadgeRule) -> set[str]:
    """The figures a badge rule's conditions look at."""
    return {stat for stat, _ in rule_conditions(rule)}


def ledger_totals(campaign: Campaign, child: Child, *, source: str = "", source_key: str = "",
                  day: date | None = None) -> dict:
    """The child's ledger totals in one aggregate query: points, minutes, reading logs, check-ins; with
    `source`, also whether `source_key` is already credited, the points the source earned on `day` (for
    its daily cap) and how many rows it has that day."""
    reading, checkin = PointsEntry.Source.READING, PointsEntry.Source.CHECKIN
    figures = {"total_points": Sum("points"), "total_minutes": Sum("minutes"),
               "logs": Count("id", filter=Q(source=reading)), "checkins": Count("id", filter=Q(source=checkin))}
    if source:
        figures.update(credited=Count("id", filter=Q(source=source, source_key=source_key)),
                       used=Sum("points", filter=Q(source=source, day=day)),
                       day_rows=Count("id", filter=Q(source=source, day=day)))
    row = {k.removeprefix("total_"): v or 0
           for k, v in PointsEntry.objects.filter(campaign=campaign, child=child).aggregate(**figures).items()}
    return row


def child_events(campaign: Campaign, child: Child) -> int:
    """How many of the campaign's events the child took part in: a counted reading log, a finished quiz
    (not practice), an accepted entry — one UNION query."""
    from events.models import QuizAttempt
    from submissions.models import Entry

    logs = ReadingLog.objects.filter(campaign=campaign, child=child, status=ReadingLog.Status.COUNTED)
    quizzes = QuizAttempt.objects.filter(event__campaign=campaign, child=child, practice=False,
                                         status__in=["finished", "expired"])
    entries = Entry.objects.filter(event__campaign=campaign, child=child, status=Entry.Status.READY)
    return len(logs.values_list("event_id").order_by().union(quizzes.values_list("event_id").order_by(),
                                                              entries.values_list("event_id").order_by()))


def child_recited(campaign: Campaign, child: Child) -> bool:
    from submissions.models import Entry

    return Entry.objects.filter(event__campaign=campaign, child=child, status=Entry.Status.READY,
                                event__kind="recitation").exists()


def child_stats(campaign: Campaign, child: Child) -> dict:
    """What badge rules look at, from the ledger and the sources."""
    totals = ledger_totals(campaign, child)
    return {**totals, "longest_streak": longest_streak(reading_days(campaign, child)),
            "events": child_events(campaign, child), "recited": child_recited(campaign, child)}


def campaign_child_stats(campaign: Campaign, needs: set[str] | None = None) -> dict[int, dict]:
    """`child_stats` for every child with a ledger row, from one SQL statement (reading/stats_sql.py:
    totals grouped by child, streaks by gaps and islands, events and recitations when `needs` them)."""
    from django.db import connection

    from reading.stats_sql import COLUMNS, child_stats_sql

    sql, params = child_stats_sql(campaign, needs)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    stats = {row[0]: dict(zip(COLUMNS, (int(v or 0) for v in row[1:]), strict=True)) for row in rows}
    for row in stats.values():
        row["recited"] = bool(row["recited"])
    return stats


def badge_met(rule: BadgeRule, stats: dict) -> bool:
    """Every condition the rule gives holds (only the figures those conditions name are read)."""
    return all(stats[stat] >= least for stat, least in rule_conditions(rule))


def child_summary(campaign: Campaign, child: Child, today: date) -> dict:
    """The family's view: points, minutes, current and longest streak, badges with their titles."""
    days = reading_days(campaign, child)
    stats = {**ledger_totals(campaign, child), "longest_streak": longest_streak(days),
             "events": child_events(campaign, child), "recited": child_recited(campaign, child)}
    day_set = set(days)
    start = today if today in day_set else today - timedelta(days=1)  # today not logged yet: yesterday's run
    current = run_ending(day_set, start)
    declared = {b.key: b for b in campaign_reading(campaign).badges}
    awards = list(BadgeAward.objects.filter(campaign=campaign, child=child).order_by("awarded_at"))
    badges = [{"key": a.badge_key, "title": declared[a.badge_key].title if a.badge_key in declared else a.badge_key,
               "description": declared[a.badge_key].description if a.badge_key in declared else "",
               "awarded_at": a.awarded_at} for a in awards]
    return {**stats, "current_streak": current, "badges": badges,
            "logs_recent": list(ReadingLog.objects.filter(campaign=campaign, child=child)
                                .select_related("event")[:10])}


# --- the collective goal --------------------------------------------------------------------------


def _ancestors(library_id: int, parents: dict[int, int | None]) -> list[int]:
    chain, seen = [], set()
    while library_id is not None and library_id not in seen:
        chain.append(library_id)
        seen.add(library_id)
        library_id = parents.get(library_id)
    return chain


GOAL_VERSION = "reading:goal-version:{}"      # moved after a commit that credits reading minutes
PEOPLE_VERSION = "reading:goal-people-version:{}"  # moved after a commit that adds or removes a registration


def _goal_people(campaign: Campaign) -> dict[int, int]:
    """Registrations per library (not rolled up), cached until a registration of the campaign commits:
    a credited minute does not recount 50,000 participants."""
    version = cache.get(PEOPLE_VERSION.format(campaign.id)) or 0
    key = f"reading:goal-people:{campaign.id}:{version}"
    people = cache.get(key)
    if people is None:
        people = dict(Registration.objects.filter(campaign=campaign).values("library_id").order_by()
                      .annotate(n=Count("id")).values_list("library_id", "n"))
        cache.set(key, people, 3600)
    return people


def goal_breakdown(campaign: Campaign) -> dict | None:
    """Minutes read toward the campaign's goal, in total and for every library's subtree, with each
    subtree's share of the goal by its number of participants. Cached per campaign: pages and goal.json
    read the cached figure; a commit that credits minutes moves the version (reading.services
    .goal_changed), so the next read computes it once — one index-only scan of the ledger's reading
    minutes by library (index points_goal), the library tree, and the participants (cached apart until
    a registration commits)."""
    goal = campaign_reading(campaign).goal
    if goal is None:
        return None
    versions = cache.get_many([GOAL_VERSION.format(campaign.id), PEOPLE_VERSION.format(campaign.id)])
    version, people_version = (versions.get(k.format(campaign.id), 0) for k in (GOAL_VERSION, PEOPLE_VERSION))
    key = f"reading:goal:{campaign.id}:{version}:{people_version}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    parents = dict(Library.objects.values_list("id", "parent_id"))
    minutes_by: dict[int, int] = defaultdict(int)
    for library_id, minutes in (PointsEntry.objects.filter(campaign=campaign, source=PointsEntry.Source.READING)
                                .values("library_id").order_by().annotate(m=Sum("minutes"))
                                .values_list("library_id", "m")):
        for lib in _ancestors(library_id, parents):
            minutes_by[lib] += minutes or 0
    people_by: dict[int, int] = defaultdict(int)
    for library_id, n in _goal_people(campaign).items():
        for lib in _ancestors(library_id, parents):
            people_by[lib] += n
    total_minutes = sum(m for lib, m in minutes_by.items() if parents.get(lib) is None)
    total_people = sum(n for lib, n in people_by.items() if parents.get(lib) is None)
    libraries = {}
    for lib in set(minutes_by) | set(people_by):
        share = goal.minutes * people_by[lib] / total_people if total_people else 0
        libraries[lib] = {"minutes": minutes_by[lib], "participants": people_by[lib], "target": round(share)}
    result = {"goal": goal.minutes, "title": goal.title, "minutes": total_minutes, "participants": total_people,
              "percent": round(min(100.0, 100.0 * total_minutes / goal.minutes), 1), "libraries": libraries}
    cache.set(key, result, 3600)
    return result


def goal_for_library(campaign: Campaign, library: Library | None) -> dict | None:
    data = goal_breakdown(campaign)
    if data is None:
        return None
    if library is None:
        return {k: v for k, v in data.items() if k != "libraries"}
    row = data["libraries"].get(library.id, {"minutes": 0, "participants": 0, "target": 0})
    target = row["target"]
    return {"goal": data["goal"], "title": data["title"], "minutes": row["minutes"], "participants": row["participants"],
            "target": target, "percent": round(min(100.0, 100.0 * row["minutes"] / target), 1) if target else 0.0,
            "library": library.name}


# --- organizers -------------------------------------------------------------------------------------


def flagged_logs(campaign: Campaign, libraries):
    return (ReadingLog.objects.filter(campaign=campaign, status=ReadingLog.Status.FLAGGED, library__in=libraries)
            .select_related("child", "library", "event").order_by("day", "id"))


def checkin_sessions(campaign: Campaign, libraries):
    return (CheckinSession.objects.filter(campaign=campaign, library__in=libraries)
            .select_related("library").annotate(n=Count("checkins")).order_by("-starts_at"))


def reading_figures(campaign: Campaign, libraries) -> dict:
    """Reports: minutes, active readers, logs, streaks, check-ins, points and badges, by library and day."""
    logs = ReadingLog.objects.filter(campaign=campaign, library__in=libraries)
    counted = logs.filter(status=ReadingLog.Status.COUNTED)
    by_day = list(counted.values("day").annotate(minutes=Sum("minutes"), readers=Count("child", distinct=True),
                                                 logs=Count("id")).order_by("day"))
    by_library = list(counted.values("library__code", "library__name")
                      .annotate(minutes=Sum("minutes"), readers=Count("child", distinct=True), logs=Count("id"))
                      .order_by("-minutes"))
    ledger = PointsEntry.objects.filter(campaign=campaign, library__in=libraries)
    points_by_source = dict(ledger.values("source").annotate(p=Sum("points")).values_list("source", "p"))
    child_days: dict[int, list[date]] = defaultdict(list)
    for child_id, day in counted.values_list("child_id", "day").distinct():
        child_days[child_id].append(day)
    streaks = [longest_streak(days) for days in child_days.values()]
    sessions = list(CheckinSession.objects.filter(campaign=campaign, library__in=libraries)
                    .annotate(n=Count("checkins")).values("id", "title", "library__name", "starts_at", "n")
                    .order_by("starts_at"))
    badges = dict(BadgeAward.objects.filter(campaign=campaign, child__in=counted.values("child"))
                  .values("badge_key").annotate(n=Count("id")).values_list("badge_key", "n"))
    return {
        "minutes": counted.aggregate(s=Sum("minutes"))["s"] or 0,
        "readers": counted.values("child").distinct().count(),
        "logs": counted.count(), "flagged": logs.filter(status=ReadingLog.Status.FLAGGED).count(),
        "by_day": by_day, "by_library": by_library, "points_by_source": points_by_source,
        "longest_streak": max(streaks, default=0),
        "streak_7_or_more": sum(1 for s in streaks if s >= 7),
        "checkins": Checkin.objects.filter(session__campaign=campaign, session__library__in=libraries).count(),
        "sessions": sessions, "badges": badges,
    }
