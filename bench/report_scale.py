"""Scale of the campaign report on PostgreSQL: 1.3 million participations, 450 libraries, 10,000 entries.

Creates (and afterwards drops) its own database shuxiang_bench_reports, fills it with bulk SQL
(generate_series), then times the full report (`campaign_figures`, every table of the page) and
its XLSX export against a plain `SELECT count(*)` over the same participation rows, in the same run.
Goal: the full report in ≤ 3 s.

    .venv/bin/python -m bench.report_scale [--keep]
"""

import os
import sys
import time
from datetime import UTC

BENCH_DB = "shuxiang_bench_reports"
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER_URL}/{BENCH_DB}"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

N_LIBRARIES = 450
N_CHILDREN = 200_000
N_ATTEMPTS = 1_000_000
N_ENTRIES = 10_000
N_LIKES = 290_000  # attempts + entries + likes = 1.3 million participations
N_VISITOR_DAYS = 120_000
DAYS = 30  # 2027-01-20 … 2027-02-18, 除夕 2027-02-05 the busiest day


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def column_defaults(model, overrides: dict[str, str]) -> tuple[list[str], list[str]]:
    """Columns and SQL expressions for a bulk INSERT … SELECT: overrides, else the field's default."""
    from django.db import models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in overrides:
            expr = overrides[column]
        elif field.null:
            expr = "NULL"
        elif isinstance(field, models.JSONField):
            default = field.get_default()
            expr = "'[]'::jsonb" if isinstance(default, list) else "'{}'::jsonb"
        elif isinstance(field, models.BooleanField):
            expr = "true" if field.get_default() else "false"
        elif isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
            expr = str(field.get_default() or 0)
        elif isinstance(field, (models.DateTimeField,)):
            expr = "now()"
        elif isinstance(field, models.DateField):
            expr = "current_date"
        else:
            default = field.get_default()
            expr = "'" + str(default or "").replace("'", "''") + "'"
        columns.append(column)
        values.append(expr)
    return columns, values


def bulk_insert(cursor, model, count: int, overrides: dict[str, str]) -> None:
    """INSERT … SELECT over generate_series; each row has `n` and one random moment `at`."""
    columns, values = column_defaults(model, overrides)
    cursor.execute(
        f'INSERT INTO {model._meta.db_table} ({", ".join(columns)}) '
        f'SELECT {", ".join(values)} FROM (SELECT n, {WHEN} AS at FROM generate_series(1, {count}) AS s(n)) AS g'
    )


# A day number per row (1 = 2027-01-20): a triangular distribution peaking on day 17, 除夕 2027-02-05.
DAY_EXPR = "(17 + round((random() - random()) * 15))::int"
WHEN = (f"timestamptz '2027-01-19 16:00:00+00' + ({DAY_EXPR} - 1) * interval '1 day'"
        " + random() * interval '1 day'")
LOCAL_DAY = "(at AT TIME ZONE 'Asia/Shanghai')::date"


def build() -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from campaigns.library_import import libraries_import
    from campaigns.models import Campaign, CampaignLibrary, Child, Library, Registration, Stage, User
    from events.models import Event, QuizAttempt, QuizResult
    from judging.models import Like
    from reports.models import VisitorDay
    from submissions.models import Entry

    call_command("migrate", "--no-input", verbosity=0)
    libraries_import(path=settings.BASE_DIR / "campaigns" / "examples" / "libraries.csv")
    libs = list(Library.objects.order_by("path").values_list("pk", flat=True))[:N_LIBRARIES]
    nlc = Library.objects.get(code="NLC")
    campaign = Campaign.objects.create(slug="bench-nye", title="网络书香过大年 bench", lead_library=nlc)
    from datetime import datetime

    Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=datetime(2027, 1, 19, 16, tzinfo=UTC),
                         ends_at=datetime(2027, 2, 18, 16, tzinfo=UTC))
    CampaignLibrary.objects.bulk_create([CampaignLibrary(campaign=campaign, library_id=pk) for pk in libs])
    quiz = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="答题", position=1)
    recite = Event.objects.create(campaign=campaign, slug="recite", kind="recitation", title="诵读", position=2)
    guardian = User.objects.create_user(username="bench-guardian", password="x" * 12)
    lib_array = "ARRAY[" + ",".join(map(str, libs)) + "]"
    when = "at"
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        bulk_insert(cursor, Child, N_CHILDREN, {
            "guardian_id": str(guardian.pk), "display_name": "'儿童' || n", "nickname": "'小' || n",
            "birth_year": "2015 + n % 7", "library_id": f"({lib_array})[1 + n % {len(libs)}]", "created_at": "now()",
        })
        cursor.execute("SELECT min(id) FROM campaigns_child")
        first_child = cursor.fetchone()[0]
        child = f"({first_child} + (n - 1) % {N_CHILDREN})"
        child_lib = f"({lib_array})[1 + ((n - 1) % {N_CHILDREN} + 1) % {len(libs)}]"
        bulk_insert(cursor, Registration, N_CHILDREN, {
            "campaign_id": str(campaign.pk), "child_id": child, "library_id": child_lib, "created_at": when,
        })
        bulk_insert(cursor, QuizAttempt, N_ATTEMPTS, {
            "event_id": str(quiz.pk), "child_id": child, "library_id": child_lib, "token": "'t' || n",
            "practice": "n % 50 = 0", "status": "'finished'", "local_date": LOCAL_DAY, "started_at": when,
            "deadline": "now()", "finished_at": "now()", "question_count": "20", "answered_count": "20",
            "correct_count": "n % 21", "score": "(n::bigint * 37) % 2000", "total_time_ms": "(n::bigint * 13) % 400000",
        })
        # Each child's best paper per quiz, as the quiz app keeps it (leaderboards read only this).
        columns, values = column_defaults(QuizResult, {
            "event_id": "a.event_id", "child_id": "a.child_id", "library_id": "a.library_id", "best_attempt_id": "a.id",
            "score": "a.score", "total_time_ms": "a.total_time_ms", "finished_at": "a.finished_at", "attempts": "1",
            "completed": "true"})
        cursor.execute(
            f"INSERT INTO {QuizResult._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM "
            f"(SELECT DISTINCT ON (event_id, child_id) * FROM {QuizAttempt._meta.db_table} WHERE NOT practice "
            f"ORDER BY event_id, child_id, score DESC) AS a")
        bulk_insert(cursor, Entry, N_ENTRIES, {
            "event_id": str(recite.pk), "child_id": child, "library_id": child_lib, "kind": "'audio'",
            "status": "(ARRAY['ready','ready','ready','received','rejected'])[1 + n % 5]",
            "moderation": "(ARRAY['approved','pending'])[1 + n % 2]", "channel": "'web'",
            "created_at": when, "updated_at": "now()",
        })
        cursor.execute("SELECT min(id) FROM submissions_entry")
        first_entry = cursor.fetchone()[0]
        bulk_insert(cursor, Like, N_LIKES, {
            "entry_id": f"({first_entry} + (n::bigint * 7919) % {N_ENTRIES})", "voter_hash": "md5(n::text)",
            "day": LOCAL_DAY, "source": "'web'", "created_at": when, "voided": "n % 97 = 0",
        })
        bulk_insert(cursor, VisitorDay, N_VISITOR_DAYS, {
            "campaign_id": str(campaign.pk), "library_id": f"CASE WHEN n % 5 = 0 THEN NULL ELSE ({lib_array})[1 + n % {len(libs)}] END",
            "day": f"date '2027-01-20' + (n % {DAYS})", "visitor": "md5(n::text)", "views": "1 + n % 3",
        })
        cursor.execute("ANALYZE")
    return {"campaign": campaign, "quiz": quiz, "recite": recite}


def main() -> None:
    keep = "--keep" in sys.argv
    admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    admin_sql(f"CREATE DATABASE {BENCH_DB}")
    try:
        import django

        django.setup()
        from django.db import connection

        from campaigns.models import Library
        from reports.exports import xlsx_bytes
        from reports.selectors.figures import campaign_figures
        from reports.selectors.scope import Scope

        t0 = time.perf_counter()
        data = build()
        t_build = time.perf_counter() - t0
        campaign = data["campaign"]

        def plain_count() -> int:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT (SELECT count(*) FROM events_quizattempt WHERE event_id IN (%s, %s))"
                    " + (SELECT count(*) FROM submissions_entry WHERE event_id IN (%s, %s))"
                    " + (SELECT count(*) FROM judging_like l JOIN submissions_entry e ON e.id = l.entry_id"
                    "    WHERE e.event_id IN (%s, %s))",
                    [data["quiz"].pk, data["recite"].pk] * 3,
                )
                return cursor.fetchone()[0]

        def best_of(fn, runs=3):
            times = []
            result = None
            for _ in range(runs):
                t = time.perf_counter()
                result = fn()
                times.append(time.perf_counter() - t)
            return min(times), result

        t_count, rows = best_of(plain_count)
        whole = Scope(campaign=campaign, library=None)
        t_report, figures = best_of(lambda: campaign_figures(whole))
        province = Scope(campaign=campaign, library=Library.objects.get(code="P-HN"))
        t_province, fig_province = best_of(lambda: campaign_figures(province))
        t_xlsx, blob = best_of(lambda: xlsx_bytes(figures), runs=1)
        h = figures["headline"]
        print(f"bulk data: {rows:,} participation rows (attempts {h['attempts']:,} non-practice, entries "
              f"{h['entries']:,} live, likes {h['likes']:,} unvoided), {len(figures['libraries'])} libraries, "
              f"{h['participants']:,} participants, {h['visits_pv']:,} page views; built in {t_build:.1f}s")
        print(f"{'step':<40}{'time':>9}{'baseline count(*)':>19}{'ratio':>8}   goal")
        for label, t in (("full report, whole campaign", t_report), ("full report, one province (P-HN)", t_province),
                         ("full report + XLSX export", t_report + t_xlsx)):
            print(f"{label:<40}{t:>8.2f}s{t_count:>18.3f}s{t / t_count:>7.1f}×   ≤ 3 s → {'OK' if t <= 3 else 'MISSED'}")
        print(f"peak day {figures['peak']['participations']}, XLSX {len(blob) // 1024} KiB, "
              f"province participations {fig_province['headline']['participations']:,}")
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
