"""Reading check-in (阅读打卡) on PostgreSQL + Redis, three measurements in one run:

  log       children logging a day's reading (POST /reading/e/<id>/, the form families use) on gunicorn,
            CONCURRENCY in flight for 5 s, ÷ the WSGI floor (GET /events/ping/ on the same server).
            Goals: logs/s ÷ floor ≥ 0.5; p99 ≤ 150 ms at 64 in flight; every accepted log stored.
  recompute `reading_recompute` (services.campaign_recompute: every child's points totals and badges,
            set-based) over a campaign of 1,000,000 ledger rows (50,000 children, 900,000 reading rows
            with their logs, check-ins and quizzes, bulk-inserted with generate_series), ÷ a plain
            SUM(points) over the same rows. Goals: ≤ 10 s; ≤ 5 × the SUM.
  goal      the collective-goal breakdown (selectors.goal_breakdown) for 450 libraries: computed (a new
            minute just moved its version), then cached; a credited minute shows on the next read.
            Goal: ≤ 200 ms.

Creates and drops its own databases (shuxiang_bench_reading_web, shuxiang_bench_reading). Redis:
BENCH_REDIS_URL (default redis://127.0.0.1:6379/5).

    .venv/bin/python -m bench.reading [--n 400] [--workers 2] [--concurrency 64] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import (
    PG_SERVER,
    bench_environment,
    closed_loop,
    drop_postgres,
    free_port,
    fresh_postgres,
    manage,
    pct,
    start_web,
    stop,
)

WEB_DB = "shuxiang_bench_reading_web"
SCALE_DB = "shuxiang_bench_reading"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")

SEED = r"""
import json
from datetime import timedelta
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from campaigns.models import Campaign, CampaignLibrary, Child, Library, Registration, Stage, User
from events.models import Event

nlc = Library.objects.create(code="NLC", name="国家图书馆", level="national", path="/NLC/")
hn = Library.objects.create(code="P-HN", name="湖南图书馆", level="provincial", parent=nlc, path="/NLC/P-HN/")
libs = [Library.objects.create(code=f"C-{{i}}", name=f"市馆{{i}}", level="city", parent=hn, path=f"/NLC/P-HN/C-{{i}}/")
        for i in range(20)]
campaign = Campaign.objects.create(slug="read", title="寒假阅读", lead_library=nlc,
                                   config={{"goal": {{"minutes": 1000000}}}})
for lib in [nlc, hn, *libs]:
    CampaignLibrary.objects.create(campaign=campaign, library=lib)
Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=timezone.now() - timedelta(days=1),
                     ends_at=timezone.now() + timedelta(days=1))
event = Event.objects.create(campaign=campaign, slug="daka", kind="reading", title="阅读打卡",
                             settings={{"reading": {{"max_logs_per_day": 20}}}})
people = []
for i in range({n}):
    user = User(username=f"g{{i}}", phone=f"139{{i:08d}}")
    user.set_unusable_password()
    user.save()
    child = Child.objects.create(guardian=user, display_name=f"孩子{{i}}", nickname=f"昵称{{i}}", birth_year=2017,
                                 library=libs[i % len(libs)])
    Registration.objects.create(campaign=campaign, child=child, library=child.library)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "campaigns.auth.PhoneOrUsernameBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    people.append([session.session_key, child.pk])
print("SEED" + json.dumps({{"event": event.pk, "people": people}}))
"""

COUNT = r"""
from reading.models import PointsEntry, ReadingLog
print("COUNT", ReadingLog.objects.count(), PointsEntry.objects.count())
"""


async def logging_run(base: str, event_id: int, people: list, concurrency: int) -> dict:
    import aiohttp

    csrf = secrets.token_hex(16)  # a 32-character secret: accepted unmasked by Django's CSRF check
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=aiohttp.ClientTimeout(total=60)) as http:
        async def ping(session, i):
            async with session.get(f"{base}/events/ping/") as r:
                await r.read()
                return True if r.status == 200 else f"ping {r.status}"

        async def log(session, i):
            key, child_id = people[i % len(people)]
            async with session.post(f"{base}/reading/e/{event_id}/", allow_redirects=False,
                                    data={"child": str(child_id), "minutes": str(20 + i % 40), "title": "草房子"},
                                    headers={"Cookie": f"sessionid={key}; csrftoken={csrf}", "X-CSRFToken": csrf}) as r:
                await r.read()
                return True if r.status == 302 else f"log {r.status}"
        await closed_loop(http, ping, concurrency=8, seconds=1)  # warm-up outside the measurement
        floor = await closed_loop(http, ping, concurrency=concurrency, seconds=5)
        logs = await closed_loop(http, log, concurrency=concurrency, seconds=5)
    return {"floor": floor, "logs": logs}


def web_part(args, tmp: Path) -> dict:
    env = bench_environment(tmp, postgres=True, pg_db=WEB_DB, redis_url=REDIS)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "createcachetable")
    seed = json.loads(manage(env, "shell", "-c", SEED.format(n=args.n)).split("SEED", 1)[1])
    port = free_port()
    server = start_web(env, port, tmp / "server.log", workers=args.workers)
    try:
        result = asyncio.run(logging_run(f"http://127.0.0.1:{port}", seed["event"], seed["people"], args.concurrency))
    finally:
        stop(server)
    stored = manage(env, "shell", "-c", COUNT).split("COUNT", 1)[1].split()
    result["stored_logs"], result["stored_points"] = int(stored[0]), int(stored[1])
    return result


# --- recompute and goal, in this process on their own database -----------------------------------


N_LIBRARIES = 450
N_CHILDREN = 50_000
DAYS = 20


def build(rows: int) -> dict:
    """450 libraries (1 national, 30 provinces, cities and counties under them), 50,000 registered
    children, and `rows` ledger rows: 90 % reading (one a day per child, so streaks; each with its
    counted log), 5 % check-ins, 5 % quizzes."""
    from datetime import date, timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from campaigns.models import Campaign, Library, Stage, User
    from events.models import Event

    call_command("migrate", "--no-input", verbosity=0)
    call_command("createcachetable", verbosity=0)
    nlc = Library.objects.create(code="NLC", name="国家图书馆", level="national", path="/NLC/")
    libs = [nlc]
    provinces = [Library.objects.create(code=f"P-{i}", name=f"省馆{i}", level="provincial", parent=nlc,
                                        path=f"/NLC/P-{i}/", province=f"省{i}") for i in range(30)]
    libs += provinces
    cities = []
    for i in range(120):
        p = provinces[i % 30]
        cities.append(Library.objects.create(code=f"C-{i}", name=f"市馆{i}", level="city", parent=p,
                                             path=f"{p.path}C-{i}/", province=p.province))
    libs += cities
    while len(libs) < N_LIBRARIES:
        i = len(libs)
        c = cities[i % len(cities)]
        libs.append(Library.objects.create(code=f"X-{i}", name=f"县馆{i}", level="county", parent=c,
                                           path=f"{c.path}X-{i}/", province=c.province))
    campaign = Campaign.objects.create(slug="bench-read", title="阅读打卡 bench", lead_library=nlc,
                                       config={"goal": {"minutes": 100_000_000, "title": "共读"}})
    start = date.today() - timedelta(days=DAYS)
    Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=timezone.now() - timedelta(days=DAYS + 1),
                         ends_at=timezone.now() + timedelta(days=1))
    event = Event.objects.create(campaign=campaign, slug="daka", kind="reading", title="阅读打卡")
    Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="答题")
    guardian = User.objects.create_user(username="bench-guardian", password="x" * 12)
    lib_array = "ARRAY[" + ",".join(str(lib.pk) for lib in libs) + "]"
    reading_rows = rows * 9 // 10
    other = (rows - reading_rows) // 2
    c = campaign.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO campaigns_child (guardian_id, display_name, nickname, birth_year, library_id, created_at) "
            f"SELECT {guardian.pk}, '儿童' || n, '小' || n, 2015 + n % 7, ({lib_array})[1 + n % {len(libs)}], now() "
            f"FROM generate_series(1, {N_CHILDREN}) AS s(n)")
        cursor.execute("SELECT min(id) FROM campaigns_child")
        first = cursor.fetchone()[0]
        cursor.execute("INSERT INTO campaigns_registration (campaign_id, child_id, library_id, created_at) "
                       f"SELECT {c}, id, library_id, now() FROM campaigns_child")
        # Row n: child (n - 1) % N, day (n - 1) / N — one reading a day per child, DAYS days running.
        child = f"({first} + (n - 1) % {N_CHILDREN})"
        day = f"(date '{start.isoformat()}' + ((n - 1) / {N_CHILDREN}) % {DAYS * 3})"
        cursor.execute(
            "INSERT INTO reading_readinglog (campaign_id, event_id, child_id, library_id, day, minutes, title, note, "
            "photo, photo_sha256, status, flags, created_at) "
            f"SELECT {c}, {event.pk}, ch.id, ch.library_id, {day}, 10 + n % 50, '草房子', '', '', '', 'counted', "
            f"'[]'::jsonb, now() FROM generate_series(1, {reading_rows}) AS s(n) "
            f"JOIN campaigns_child ch ON ch.id = {child}")
        cursor.execute(
            "INSERT INTO reading_pointsentry (campaign_id, child_id, library_id, source, source_key, day, points, "
            "minutes, created_at) "
            f"SELECT {c}, child_id, library_id, 'reading', 'log-' || id, day, minutes * 1, minutes, now() "
            f"FROM reading_readinglog WHERE campaign_id = {c}")
        for source, points in (("checkin", 15), ("quiz", 10)):
            cursor.execute(
                "INSERT INTO reading_pointsentry (campaign_id, child_id, library_id, source, source_key, day, points, "
                "minutes, created_at) "
                f"SELECT {c}, ch.id, ch.library_id, '{source}', '{source}-' || n, {day}, {points}, 0, now() "
                f"FROM generate_series(1, {other}) AS s(n) JOIN campaigns_child ch ON ch.id = {child}")
        # A campaign's tables are vacuumed by autovacuum as they grow; the million rows inserted just now
        # are vacuumed here so both the SUM baseline and the measured reads see a table in that state
        # (index-only scans need the visibility map VACUUM writes).
        cursor.execute("VACUUM ANALYZE reading_pointsentry")
        cursor.execute("VACUUM ANALYZE reading_readinglog")
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM reading_pointsentry WHERE campaign_id = %s", [c])
        n_rows = cursor.fetchone()[0]
    return {"campaign": campaign, "rows": n_rows, "libraries": len(libs)}


def best_of(fn, runs=3):
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def scale_part(args) -> dict:
    os.environ["DATABASE_URL"] = fresh_postgres(SCALE_DB)
    os.environ["REDIS_URL"] = REDIS
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.db.models import Sum

    from campaigns.models import Child
    from reading import selectors, services
    from reading.models import BadgeAward, PointsEntry

    cache.clear()
    t0 = time.perf_counter()
    data = build(args.rows)
    build_s = time.perf_counter() - t0
    campaign = data["campaign"]

    def plain_sum():
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(points) FROM reading_pointsentry WHERE campaign_id = %s", [campaign.pk])
            return cursor.fetchone()[0]

    def grouped_sum():
        with connection.cursor() as cursor:
            cursor.execute("SELECT child_id, sum(points) FROM reading_pointsentry WHERE campaign_id = %s "
                           "GROUP BY child_id", [campaign.pk])
            return len(cursor.fetchall())

    sum_s, total = best_of(plain_sum)
    grouped_s, _ = best_of(grouped_sum)
    t = time.perf_counter()
    first = services.campaign_recompute(campaign=campaign)  # from no badges: awards every earned one
    first_s = time.perf_counter() - t
    again_s, again = best_of(lambda: services.campaign_recompute(campaign=campaign))
    assert first["points"] == again["points"] == total, (first["points"], total)
    awards = BadgeAward.objects.filter(campaign=campaign).count()

    # The goal: computed after a new minute (the version moved), then from the cache; its baseline is
    # the plain SUM(minutes) GROUP BY library it rests on, and EXPLAIN shows which index serves it.
    def grouped_minutes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT library_id, sum(minutes) FROM reading_pointsentry WHERE campaign_id = %s "
                           "GROUP BY library_id", [campaign.pk])
            return len(cursor.fetchall())

    minutes_s, _ = best_of(grouped_minutes)
    goal_query = (PointsEntry.objects.filter(campaign=campaign, source=PointsEntry.Source.READING)
                  .values("library_id").order_by().annotate(m=Sum("minutes")).values_list("library_id", "m"))
    plan = goal_query.explain()
    index_only = "Index Only Scan using points_goal" in plan

    def cold():
        services.goal_changed(campaign.pk)  # outside a transaction: the version moves at once
        return selectors.goal_breakdown(campaign)
    cold_s, breakdown = best_of(cold)
    warm_s, _ = best_of(lambda: selectors.goal_breakdown(campaign), runs=20)
    before = breakdown["minutes"]
    child = Child.objects.order_by("id").first()
    with transaction.atomic():
        services.points_credit(campaign=campaign, child=child, source=PointsEntry.Source.READING,
                               source_key="bench-new", day=child.created_at.date(), points=30, minutes=30)
    after = selectors.goal_breakdown(campaign)["minutes"]
    return {"minutes_s": minutes_s, "index_only": index_only,
            "rows": data["rows"], "libraries": data["libraries"], "build_s": build_s, "sum_s": sum_s,
            "grouped_s": grouped_s, "first_s": first_s, "again_s": again_s, "children": first["children"],
            "awards": awards, "cold_s": cold_s, "warm_s": warm_s, "goal_libraries": len(breakdown["libraries"]),
            "moved": after - before}


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="children logging in the server run")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS") or 2))
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows for the recompute")
    parser.add_argument("--only", choices=["log", "scale"], help="only the logging run, or only recompute + goal")
    args = parser.parse_args()
    print(f"PostgreSQL ({PG_SERVER}) + Redis; gunicorn, {args.workers} sync workers; {args.concurrency} in flight; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-reading-"))
    if args.only != "scale":
        try:
            web_report(args, tmp)
        finally:
            drop_postgres(WEB_DB)
    if args.only == "log":
        shutil.rmtree(tmp, ignore_errors=True)
        return
    print(f"load average {os.getloadavg()[0]:.1f}; building {args.rows:,} ledger rows …", flush=True)
    try:
        s = scale_part(args)
    finally:
        drop_postgres(SCALE_DB)
        shutil.rmtree(tmp, ignore_errors=True)
    scale_report(s)
    print(f"load average {os.getloadavg()[0]:.1f}")


def web_report(args, tmp: Path) -> None:
    web = web_part(args, tmp)
    floor, logs = web["floor"], web["logs"]
    ratio = logs["rps"] / floor["rps"] if floor["rps"] else 0.0
    p99 = pct(logs["ms"], 99)
    print(f"{'':34}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, r in (("floor GET /events/ping/", floor), ("log reading (POST)", logs)):
        print(f"{name:34}{r['n']:>9}{r['rps']:>9.0f}{pct(r['ms'], 50):>9.1f}{pct(r['ms'], 99):>9.1f}"
              f"{len(r['errors']):>8}")
    accepted = logs["n"] - len(logs["errors"])
    print(f"logs stored {web['stored_logs']} of {accepted} accepted (ledger rows {web['stored_points']})")
    print(f"log ÷ floor = {ratio:.2f}  (goal ≥ 0.5)  {verdict(ratio >= 0.5)}")
    print(f"log p99 at {args.concurrency} in flight = {p99:.0f} ms  (goal ≤ 150 ms)  {verdict(p99 <= 150)}")


def scale_report(s: dict) -> None:
    print(f"built {s['rows']:,} ledger rows, {s['children']:,} children, {s['libraries']} libraries in "
          f"{s['build_s']:.0f} s")
    print(f"plain SUM(points)               {s['sum_s'] * 1000:8.0f} ms")
    print(f"SUM(points) GROUP BY child      {s['grouped_s'] * 1000:8.0f} ms")
    print(f"recompute, from no badges       {s['first_s'] * 1000:8.0f} ms  ({s['awards']:,} awards made)"
          f"  ÷ SUM {s['first_s'] / s['sum_s']:.1f}")
    print(f"recompute, again (idempotent)   {s['again_s'] * 1000:8.0f} ms  ÷ SUM {s['again_s'] / s['sum_s']:.1f}")
    worst = max(s["first_s"], s["again_s"])
    print(f"recompute = {worst:.2f} s  (goal ≤ 10 s)  {verdict(worst <= 10)}")
    print(f"recompute ÷ plain SUM = {worst / s['sum_s']:.1f}  (goal ≤ 5)  {verdict(worst / s['sum_s'] <= 5)}")
    print(f"goal breakdown, {s['goal_libraries']} libraries: computed {s['cold_s'] * 1000:.0f} ms "
          f"(÷ plain SUM(minutes) GROUP BY library {s['minutes_s'] * 1000:.0f} ms = {s['cold_s'] / s['minutes_s']:.1f}; "
          f"index-only scan of points_goal: {'yes' if s['index_only'] else 'NO'}), cached {s['warm_s'] * 1000:.1f} ms "
          f"(÷ computed {s['warm_s'] / s['cold_s']:.3f}); a credited 30 minutes moved it by {s['moved']}")
    print(f"goal breakdown computed = {s['cold_s'] * 1000:.0f} ms  (goal ≤ 200 ms)  {verdict(s['cold_s'] <= 0.2)}; "
          f"cached = {s['warm_s'] * 1000:.1f} ms  (goal ≤ 200 ms)  {verdict(s['warm_s'] <= 0.2)}; "
          f"invalidated {verdict(s['moved'] == 30)}")


if __name__ == "__main__":
    main()
