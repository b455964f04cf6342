"""The figures badges look at, for every child of a campaign, in one SQL statement (PostgreSQL, and
SQLite ≥ 3.25 for its window functions): what `reading_recompute` reads over a million ledger rows.

- totals (points, minutes, reading rows, check-ins): one GROUP BY child over the ledger;
- the longest streak, by gaps and islands: the reading rows in (child, day) order — the order of the
  `points_child_ledger` index, so PostgreSQL reads it without sorting — numbered with dense_rank();
  `day − dense_rank` is the same for every day of a run of consecutive days (repeated days share a
  rank), so it names the run. Only each run's first and last rows (lag/lead show the gap) are kept and
  grouped by (child, run): the run's length is its last rank − its first rank + 1;
- the events the child took part in and an accepted recitation, only when a badge looks at them.

Nothing is brought into Python row by row: the caller reads one row per child, or inserts the earned
badges straight from this statement (services.campaign_recompute)."""

from __future__ import annotations

from django.db import connection

from reading.config import BadgeRule
from reading.models import BadgeAward, PointsEntry, ReadingLog

LEDGER = PointsEntry._meta.db_table
BADGES = BadgeAward._meta.db_table


def _day_number(expr: str) -> str:
    """Days since 1970-01-01 of a date expression, as an integer."""
    if connection.vendor == "postgresql":
        return f"(({expr}) - DATE '1970-01-01')"
    return f"CAST(julianday({expr}) - 2440587.5 AS INTEGER)"


def _events_sql(campaign) -> tuple[str, list]:
    """(child_id, number of distinct events taken part in): counted reading logs, finished quizzes (not
    practice), accepted entries."""
    from events.models import QuizAttempt
    from submissions.models import Entry

    parts = [ReadingLog.objects.filter(campaign=campaign, status=ReadingLog.Status.COUNTED),
             QuizAttempt.objects.filter(event__campaign=campaign, practice=False, status__in=["finished", "expired"]),
             Entry.objects.filter(event__campaign=campaign, status=Entry.Status.READY)]
    sqls, params = [], []
    for qs in parts:
        sql, p = qs.values_list("child_id", "event_id").order_by().query.sql_with_params()
        sqls.append(f"SELECT * FROM ({sql}) part")
        params += p
    union = " UNION ".join(sqls)
    return f"SELECT pairs.child_id, COUNT(*) AS n FROM ({union}) pairs GROUP BY pairs.child_id", params


def _recited_sql(campaign) -> tuple[str, list]:
    from submissions.models import Entry

    qs = (Entry.objects.filter(event__campaign=campaign, status=Entry.Status.READY, event__kind="recitation")
          .values_list("child_id").order_by().distinct())
    sql, params = qs.query.sql_with_params()
    return f"SELECT rc.child_id FROM ({sql}) rc", params


def child_stats_sql(campaign, needs: set[str] | None = None) -> tuple[str, list]:
    """SELECT child_id, points, minutes, logs, checkins, longest_streak, events, recited — one row per
    child with a ledger row. `needs`: the figures wanted among longest_streak, events and recited (None:
    all); those left out read as 0."""
    needs = set(needs) if needs is not None else {"longest_streak", "events", "recited"}
    reading = PointsEntry.Source.READING
    ctes = [f"""totals AS (
        SELECT child_id, SUM(points) AS points, SUM(minutes) AS minutes,
               SUM(CASE WHEN source = %s THEN 1 ELSE 0 END) AS logs,
               SUM(CASE WHEN source = %s THEN 1 ELSE 0 END) AS checkins
        FROM {LEDGER} WHERE campaign_id = %s GROUP BY child_id)"""]
    params: list = [reading, PointsEntry.Source.CHECKIN, campaign.pk]
    columns = ["t.child_id AS child_id", "t.points AS points", "t.minutes AS minutes", "t.logs AS logs",
               "t.checkins AS checkins"]
    joins = []
    if "longest_streak" in needs:
        day, prev, nxt = _day_number("day"), _day_number("lag(day) OVER w"), _day_number("lead(day) OVER w")
        ctes.append(f"""ranked AS (
            SELECT child_id, {day} AS dn, dense_rank() OVER w AS r, {prev} AS prev, {nxt} AS nxt
            FROM {LEDGER} WHERE campaign_id = %s AND source = %s
            WINDOW w AS (PARTITION BY child_id ORDER BY day))""")
        ctes.append("""runs AS (
            SELECT child_id, MAX(r) - MIN(r) + 1 AS length FROM ranked
            WHERE prev IS NULL OR dn - prev > 1 OR nxt IS NULL OR nxt - dn > 1
            GROUP BY child_id, dn - r)""")
        ctes.append("streaks AS (SELECT child_id, MAX(length) AS longest FROM runs GROUP BY child_id)")
        params += [campaign.pk, reading]
        columns.append("COALESCE(s.longest, 0) AS longest_streak")
        joins.append("LEFT JOIN streaks s ON s.child_id = t.child_id")
    else:
        columns.append("0 AS longest_streak")
    if "events" in needs:
        sql, p = _events_sql(campaign)
        ctes.append(f"events AS ({sql})")
        params += p
        columns.append("COALESCE(e.n, 0) AS events")
        joins.append("LEFT JOIN events e ON e.child_id = t.child_id")
    else:
        columns.append("0 AS events")
    if "recited" in needs:
        sql, p = _recited_sql(campaign)
        ctes.append(f"recited AS ({sql})")
        params += p
        columns.append("CASE WHEN rc.child_id IS NULL THEN 0 ELSE 1 END AS recited")
        joins.append("LEFT JOIN recited rc ON rc.child_id = t.child_id")
    else:
        columns.append("0 AS recited")
    return f"WITH {', '.join(ctes)} SELECT {', '.join(columns)} FROM totals t {' '.join(joins)}", params


COLUMNS = ["points", "minutes", "logs", "checkins", "longest_streak", "events", "recited"]


def rule_sql(rule: BadgeRule) -> tuple[str, list]:
    """The SQL condition of a badge rule over the columns of `child_stats_sql` (every condition given)."""
    conditions, params = [], []
    for wanted, column, threshold in ((rule.first_log, "logs", 1), (rule.streak_days, "longest_streak", rule.streak_days),
                                      (rule.minutes, "minutes", rule.minutes), (rule.events, "events", rule.events),
                                      (rule.recited, "recited", 1), (rule.checkins, "checkins", rule.checkins),
                                      (rule.points, "points", rule.points)):
        if wanted:
            conditions.append(f"{column} >= %s")
            params.append(threshold)
    return " AND ".join(conditions), params
