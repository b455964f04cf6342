"""Quiz burst: N participants each doing a 10-question attempt against the real ASGI server.

Starts uvicorn in a subprocess on a fresh database (a temporary SQLite file, or PostgreSQL + Redis
with --postgres), seeds N guardians/children with logged-in sessions, then measures in the same run:

  baseline  N concurrent clients × 10 rounds of GET /events/ping/ (a trivial JSON view)
  quiz      N concurrent participants: start an attempt, then 10 rounds of
            GET …/question (fetch, starts the server clock) and POST …/answers (timed)

Each round is a burst: all N requests of the round are in flight together. answers/s is
answers ÷ the wall time of the answer bursts; the baseline is pings ÷ the wall time of its bursts.
A burst of N simultaneous requests queues by construction (even the ping's p99 is N ÷ its rate),
so latency is measured in a second, paced run: N more participants arriving within 5 s, taking
3–10 s to read and answer each question, as children do.
Goal: answers/s ÷ ping/s ≥ 0.5, answer p99 ≤ 150 ms, zero errors.

    .venv/bin/python -m bench.quiz_burst [--n 200] [--postgres] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import bench_environment, drop_postgres, free_port, manage, pct, stop

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "shuxiang_bench_quiz"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
QUESTIONS = 10


def environment(tmp: Path, postgres: bool) -> dict:
    env = bench_environment(tmp, postgres=postgres, pg_db=PG_DB, redis_url=REDIS)
    if postgres:
        env.setdefault("DATABASE_POOL_MAX", "20")  # a burst of N requests must not open N connections
    return env


SEED = r"""
import json, sys
from datetime import timedelta
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from campaigns.models import Campaign, Child, Library, Stage, User
from events.bank_import import questions_import
from events.models import Event, QuestionBank

N = {n}
nlc = Library.objects.create(code="NLC", name="国家图书馆", level="national", path="/NLC/")
hn = Library.objects.create(code="P-HN", name="湖南图书馆", level="provincial", parent=nlc, path="/NLC/P-HN/")
libs = [Library.objects.create(code=f"C-{{i}}", name=f"市馆{{i}}", level="city", parent=hn, path=f"/NLC/P-HN/C-{{i}}/")
        for i in range(20)]
campaign = Campaign.objects.create(slug="burst", title="网络书香过大年", lead_library=nlc)
Stage.objects.create(campaign=campaign, kind="published", starts_at=timezone.now() - timedelta(days=1))
bank = QuestionBank.objects.create(slug="poems", title="诗词题库", owner=nlc)
questions_import(bank=bank, data=open(r"{bank}", "rb").read(), filename="quiz_bank.xlsx")
event = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="答题", settings={{"quiz": {{
    "bank": "poems", "questions": {questions},
    "draw": [{{"difficulty": 1, "count": 5}}, {{"difficulty": 2, "count": 4}}, {{"difficulty": 3, "count": 1}}],
    "time_limit": {{"per_question_seconds": 20}}, "attempts": {{"per_day": 1}},
    "scoring": {{"formula": "time_bonus"}}, "explanations": "after_each"}}}})
people = []
for i in range(2 * N):  # N for the saturation bursts, N for the paced run
    user = User(username=f"g{{i}}", phone=f"139{{i:08d}}")
    user.set_unusable_password()
    user.save()
    child = Child.objects.create(guardian=user, display_name=f"孩子{{i}}", nickname=f"昵称{{i}}", birth_year=2017,
                                 library=libs[i % len(libs)])
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "campaigns.auth.PhoneOrUsernameBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    people.append([session.session_key, child.pk])
print("SEED" + json.dumps({{"event": event.pk, "people": people}}))
"""


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    """The web server of `make run` (gunicorn, config/gunicorn.py) with `workers` workers."""
    from config.management.commands.runall import web_command

    proc = subprocess.Popen(web_command("127.0.0.1", port), cwd=ROOT, env={**env, "WEB_WORKERS": str(workers)},
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start:\n" + log.read_text()[-3000:])


async def timed(coro_factory):
    t0 = time.perf_counter()
    ok, detail = await coro_factory()
    return ok, detail, (time.perf_counter() - t0) * 1000


async def run(base: str, event_id: int, people: list, n: int) -> dict:
    import aiohttp

    csrf = secrets.token_hex(16)  # a 32-character secret: accepted unmasked by Django's CSRF check
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)
    errors: list[str] = []
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as anon:
        # Warm-up (imports, connection pools) outside the measurement.
        for _ in range(20):
            async with anon.get(f"{base}/events/ping/") as r:
                await r.read()
        # --- baseline: trivial JSON view ---------------------------------------------------------
        ping_ms, ping_wall = [], 0.0
        for _ in range(QUESTIONS):
            async def ping():
                async with anon.get(f"{base}/events/ping/") as r:
                    await r.read()
                    return r.status == 200, r.status
            t0 = time.perf_counter()
            results = await asyncio.gather(*[timed(ping) for _ in range(n)])
            ping_wall += time.perf_counter() - t0
            for ok, detail, ms in results:
                ping_ms.append(ms)
                if not ok:
                    errors.append(f"ping {detail}")
    sessions = []
    for key, _ in people[:n]:
        jar = aiohttp.CookieJar(unsafe=True)
        s = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), timeout=timeout, cookie_jar=jar,
                                  cookies={"sessionid": key, "csrftoken": csrf})
        sessions.append(s)
    try:
        # --- start attempts ---------------------------------------------------------------------------
        async def start(s, child_id):
            async with s.post(f"{base}/api/v1/events/quizzes/{event_id}/attempts", json={"child_id": child_id},
                              headers={"X-CSRFToken": csrf, "Referer": base}) as r:
                body = await r.json()
                return r.status == 200, body
        t0 = time.perf_counter()
        started = await asyncio.gather(*[timed(lambda s=s, c=c: start(s, c)) for s, (_, c) in zip(sessions, people, strict=False)])
        start_wall = time.perf_counter() - t0
        tokens = []
        for ok, body, _ in started:
            if ok:
                tokens.append(body["token"])
            else:
                errors.append(f"start {body}")
                tokens.append(None)
        answer_ms, fetch_ms, answer_wall, fetch_wall, answers = [], [], 0.0, 0.0, 0
        for _ in range(QUESTIONS):
            async def fetch(s, token):
                async with s.get(f"{base}/api/v1/events/attempts/{token}/question") as r:
                    body = await r.json() if r.status == 200 else await r.text()
                    return r.status == 200, body
            t0 = time.perf_counter()
            shown = await asyncio.gather(*[timed(lambda s=s, t=t: fetch(s, t)) for s, t in zip(sessions, tokens, strict=True) if t])
            fetch_wall += time.perf_counter() - t0
            live = [(s, t) for s, t in zip(sessions, tokens, strict=True) if t]
            batch = []
            for (s, t), (ok, body, ms) in zip(live, shown, strict=True):
                fetch_ms.append(ms)
                if not ok:
                    errors.append(f"question {body}")
                    continue
                letter = body["options"][0]["letter"]
                batch.append((s, t, body["position"], letter))

            async def answer(s, token, position, letter):
                async with s.post(f"{base}/api/v1/events/attempts/{token}/answers",
                                  json={"position": position, "choice": letter}) as r:
                    body = await r.json()
                    return r.status == 200, body
            t0 = time.perf_counter()
            done = await asyncio.gather(*[timed(lambda a=a: answer(*a)) for a in batch])
            answer_wall += time.perf_counter() - t0
            for ok, body, ms in done:
                answer_ms.append(ms)
                answers += ok
                if not ok:
                    errors.append(f"answer {body}")
    finally:
        for s in sessions:
            await s.close()
    return {"ping_ms": ping_ms, "ping_wall": ping_wall, "answer_ms": answer_ms, "answer_wall": answer_wall,
            "fetch_ms": fetch_ms, "fetch_wall": fetch_wall, "answers": answers, "errors": errors,
            "start_wall": start_wall, "started": sum(1 for t in tokens if t)}


async def paced(base: str, event_id: int, people: list, think: tuple[float, float]) -> dict:
    """Participants at human pace: read and answer in `think` seconds, glance at the feedback."""
    import random

    import aiohttp

    csrf = secrets.token_hex(16)
    timeout = aiohttp.ClientTimeout(total=60)
    answer_ms, fetch_ms, errors = [], [], []
    rng = random.Random(7)

    async def participant(key, child_id, delay):
        await asyncio.sleep(delay)  # arrivals spread over the first seconds after the push
        async with aiohttp.ClientSession(timeout=timeout, cookies={"sessionid": key, "csrftoken": csrf}) as s:
            async with s.post(f"{base}/api/v1/events/quizzes/{event_id}/attempts", json={"child_id": child_id},
                              headers={"X-CSRFToken": csrf, "Referer": base}) as r:
                body = await r.json()
                if r.status != 200:
                    errors.append(f"start {body}")
                    return
                token = body["token"]
            for _ in range(QUESTIONS):
                t0 = time.perf_counter()
                async with s.get(f"{base}/api/v1/events/attempts/{token}/question") as r:
                    if r.status != 200:
                        errors.append(f"question {r.status} {await r.text()}")
                        return
                    question = await r.json()
                fetch_ms.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(rng.uniform(*think))
                t0 = time.perf_counter()
                async with s.post(f"{base}/api/v1/events/attempts/{token}/answers",
                                  json={"position": question["position"], "choice": question["options"][0]["letter"]}) as r:
                    body = await r.json()
                    if r.status != 200:
                        errors.append(f"answer {body}")
                answer_ms.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(rng.uniform(0.5, 1.5))

    async def guarded(key, child, delay):
        try:
            await participant(key, child, delay)
        except (TimeoutError, aiohttp.ClientError) as exc:
            errors.append(f"transport {exc!r}")

    t0 = time.perf_counter()
    await asyncio.gather(*[guarded(key, child, rng.uniform(0, 5)) for key, child in people])
    return {"answer_ms": answer_ms, "fetch_ms": fetch_ms, "errors": errors, "wall": time.perf_counter() - t0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis instead of SQLite + in-memory")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 10.0), metavar=("MIN", "MAX"),
                        help="seconds a participant takes to read and answer in the paced run (default 3 10)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="quiz-burst-"))
    env = environment(tmp, args.postgres)
    print(f"数据库 database: {'PostgreSQL + Redis' if args.postgres else 'SQLite (WAL) + in-memory layer'}; "
          f"N = {args.n}; uvicorn workers = {args.workers}")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "createcachetable")
    out = manage(env, "shell", "-c", SEED.format(n=args.n, bank=ROOT / "events" / "demo_data" / "quiz_bank.xlsx",
                                                  questions=QUESTIONS))
    seed = json.loads(out.split("SEED", 1)[1])
    port = free_port()
    server = start_server(env, port, args.workers, tmp / "server.log")
    try:
        r = asyncio.run(run(f"http://127.0.0.1:{port}", seed["event"], seed["people"][: args.n], args.n))
        human = asyncio.run(paced(f"http://127.0.0.1:{port}", seed["event"], seed["people"][args.n:],
                                  tuple(args.think)))
    finally:
        stop(server)
    ping_rps = len(r["ping_ms"]) / r["ping_wall"]
    answer_rps = r["answers"] / r["answer_wall"] if r["answer_wall"] else 0.0
    ratio = answer_rps / ping_rps if ping_rps else 0.0
    p99 = pct(r["answer_ms"], 99)
    print(f"{'':28}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'baseline GET /events/ping/':28}{len(r['ping_ms']):>9}{ping_rps:>9.0f}"
          f"{statistics.median(r['ping_ms']):>9.1f}{pct(r['ping_ms'], 99):>9.1f}")
    print(f"{'fetch question (GET)':28}{len(r['fetch_ms']):>9}{len(r['fetch_ms']) / r['fetch_wall']:>9.0f}"
          f"{statistics.median(r['fetch_ms']):>9.1f}{pct(r['fetch_ms'], 99):>9.1f}")
    print(f"{'answer (POST)':28}{len(r['answer_ms']):>9}{answer_rps:>9.0f}"
          f"{statistics.median(r['answer_ms']):>9.1f}{p99:>9.1f}")
    print(f"attempts started: {r['started']}/{args.n} in {r['start_wall']:.2f} s; answers recorded: {r['answers']}")
    human_p99 = pct(human["answer_ms"], 99)
    print(f"paced run: {args.n} participants, think {args.think[0]:g}–{args.think[1]:g} s per question, "
          f"{len(human['answer_ms'])} answers in {human['wall']:.0f} s "
          f"({len(human['answer_ms']) / human['wall']:.0f} answers/s + as many question fetches/s)")
    print(f"{'paced fetch question (GET)':28}{len(human['fetch_ms']):>9}{'':>9}"
          f"{statistics.median(human['fetch_ms'] or [0]):>9.1f}{pct(human['fetch_ms'], 99):>9.1f}")
    print(f"{'paced answer (POST)':28}{len(human['answer_ms']):>9}{'':>9}"
          f"{statistics.median(human['answer_ms'] or [0]):>9.1f}{human_p99:>9.1f}")
    errors = r["errors"] + human["errors"]
    print(f"ratio answers/s ÷ ping/s (saturating bursts) = {ratio:.2f}  (goal ≥ 0.5)  "
          f"{'OK' if ratio >= 0.5 else 'BELOW GOAL'}")
    print(f"answer p99 at human pace = {human_p99:.0f} ms  (goal ≤ 150 ms)  {'OK' if human_p99 <= 150 else 'ABOVE GOAL'}"
          f";  in the saturating bursts (N requests at once) p99 = {p99:.0f} ms (ping: {pct(r['ping_ms'], 99):.0f} ms)")
    print(f"errors: {len(errors)}  (goal 0)" + (f"  e.g. {errors[:3]}" if errors else ""))
    if args.postgres:
        drop_postgres(PG_DB)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
