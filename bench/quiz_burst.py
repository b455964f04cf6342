"""Quiz burst: N participants each doing a 10-question attempt against the web server of `make run`.

Starts gunicorn (config/gunicorn.py, WORKERS sync workers) on a fresh database (a temporary SQLite
file, or PostgreSQL + Redis with --postgres), seeds 2 × N guardians/children with logged-in sessions,
then measures in the same run, CONCURRENCY requests in flight:

  floor     GET /events/ping/ (a trivial view) on the same server, back to back for 5 s
  quiz      N participants: start an attempt, then 10 rounds of GET …/question (fetch, starts the
            server clock) for all N, then POST …/answers for all N (timed)

answers/s is answers ÷ the wall time of the answer rounds. Latency children feel is measured in a
second, paced run: N more participants arriving within 5 s, taking 3–10 s to read and answer each
question, as children do.
Goals: answers/s ÷ floor ≥ 0.5; answer p99 ≤ 150 ms at 64 in flight; at human pace fetch and answer
p99 ≤ 100 ms; zero errors.

    .venv/bin/python -m bench.quiz_burst [--n 200] [--postgres] [--workers 2] [--concurrency 64]
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

from bench.common import bench_environment, closed_loop, drop_postgres, free_port, manage, pct, start_web, stop

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "shuxiang_bench_quiz"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
QUESTIONS = 10


def environment(tmp: Path, postgres: bool) -> dict:
    env = bench_environment(tmp, postgres=postgres, pg_db=PG_DB, redis_url=REDIS)
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


async def timed(coro_factory):
    t0 = time.perf_counter()
    ok, detail = await coro_factory()
    return ok, detail, (time.perf_counter() - t0) * 1000


async def limited(factories: list, concurrency: int) -> list:
    """Run the coroutine factories with at most `concurrency` in flight; results in order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(factory):
        async with gate:
            return await timed(factory)
    return await asyncio.gather(*[one(f) for f in factories])


async def run(base: str, event_id: int, people: list, n: int, concurrency: int) -> dict:
    import aiohttp

    csrf = secrets.token_hex(16)  # a 32-character secret: accepted unmasked by Django's CSRF check
    timeout = aiohttp.ClientTimeout(total=60)
    errors: list[str] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as anon:
        async def ping(session, i):
            async with session.get(f"{base}/events/ping/") as r:
                await r.read()
                return True if r.status == 200 else f"ping {r.status}"
        await closed_loop(anon, ping, concurrency=8, seconds=1)  # warm-up outside the measurement
        floor = await closed_loop(anon, ping, concurrency=concurrency, seconds=5)
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), timeout=timeout,
                                      cookie_jar=aiohttp.CookieJar(unsafe=True),
                                      cookies={"sessionid": key, "csrftoken": csrf}) for key, _ in people[:n]]
    try:
        async def start(s, child_id):
            async with s.post(f"{base}/api/v1/events/quizzes/{event_id}/attempts", json={"child_id": child_id},
                              headers={"X-CSRFToken": csrf, "Referer": base}) as r:
                body = await r.json()
                return r.status == 200, body
        t0 = time.perf_counter()
        started = await limited([lambda s=s, c=c: start(s, c) for s, (_, c) in zip(sessions, people, strict=False)],
                                concurrency)
        start_wall = time.perf_counter() - t0
        tokens = []
        for ok, body, _ in started:
            tokens.append(body["token"] if ok else None)
            if not ok:
                errors.append(f"start {body}")
        live = [(s, t) for s, t in zip(sessions, tokens, strict=True) if t]
        answer_ms, fetch_ms, answer_wall, fetch_wall, answers = [], [], 0.0, 0.0, 0
        for _ in range(QUESTIONS):
            async def fetch(s, token):
                async with s.get(f"{base}/api/v1/events/attempts/{token}/question") as r:
                    body = await r.json() if r.status == 200 else await r.text()
                    return r.status == 200, body
            t0 = time.perf_counter()
            shown = await limited([lambda s=s, t=t: fetch(s, t) for s, t in live], concurrency)
            fetch_wall += time.perf_counter() - t0
            batch = []
            for (s, t), (ok, body, ms) in zip(live, shown, strict=True):
                fetch_ms.append(ms)
                if not ok:
                    errors.append(f"question {body}")
                    continue
                batch.append((s, t, body["position"], body["options"][0]["letter"]))

            async def answer(s, token, position, letter):
                async with s.post(f"{base}/api/v1/events/attempts/{token}/answers",
                                  json={"position": position, "choice": letter}) as r:
                    body = await r.json()
                    return r.status == 200, body
            t0 = time.perf_counter()
            done = await limited([lambda a=a: answer(*a) for a in batch], concurrency)
            answer_wall += time.perf_counter() - t0
            for ok, body, ms in done:
                answer_ms.append(ms)
                answers += ok
                if not ok:
                    errors.append(f"answer {body}")
    finally:
        for s in sessions:
            await s.close()
    return {"floor": floor, "answer_ms": answer_ms, "answer_wall": answer_wall, "fetch_ms": fetch_ms,
            "fetch_wall": fetch_wall, "answers": answers, "errors": errors + floor["errors"],
            "start_wall": start_wall, "started": len(live)}


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
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS") or 2))
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight (default 64)")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 10.0), metavar=("MIN", "MAX"),
                        help="seconds a participant takes to read and answer in the paced run (default 3 10)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="quiz-burst-"))
    env = environment(tmp, args.postgres)
    print(f"数据库 database: {'PostgreSQL + Redis' if args.postgres else 'SQLite (WAL) + in-memory layer'}; "
          f"N = {args.n}; gunicorn, {args.workers} sync workers; {args.concurrency} in flight; "
          f"load average {os.getloadavg()[0]:.1f}")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "createcachetable")
    out = manage(env, "shell", "-c", SEED.format(n=args.n, bank=ROOT / "events" / "demo_data" / "quiz_bank.xlsx",
                                                  questions=QUESTIONS))
    seed = json.loads(out.split("SEED", 1)[1])
    port = free_port()
    server = start_web(env, port, tmp / "server.log", workers=args.workers)
    try:
        r = asyncio.run(run(f"http://127.0.0.1:{port}", seed["event"], seed["people"][: args.n], args.n,
                            args.concurrency))
        human = asyncio.run(paced(f"http://127.0.0.1:{port}", seed["event"], seed["people"][args.n:],
                                  tuple(args.think)))
    finally:
        stop(server)
    floor = r["floor"]
    answer_rps = r["answers"] / r["answer_wall"] if r["answer_wall"] else 0.0
    ratio = answer_rps / floor["rps"] if floor["rps"] else 0.0
    p99 = pct(r["answer_ms"], 99)
    print(f"{'':34}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'floor GET /events/ping/':34}{floor['n']:>9}{floor['rps']:>9.0f}"
          f"{pct(floor['ms'], 50):>9.1f}{pct(floor['ms'], 99):>9.1f}")
    print(f"{'fetch question (GET)':34}{len(r['fetch_ms']):>9}{len(r['fetch_ms']) / r['fetch_wall']:>9.0f}"
          f"{pct(r['fetch_ms'], 50):>9.1f}{pct(r['fetch_ms'], 99):>9.1f}")
    print(f"{'answer (POST)':34}{len(r['answer_ms']):>9}{answer_rps:>9.0f}{pct(r['answer_ms'], 50):>9.1f}{p99:>9.1f}")
    print(f"attempts started: {r['started']}/{args.n} in {r['start_wall']:.2f} s; answers recorded: {r['answers']}")
    human_p99 = pct(human["answer_ms"], 99)
    human_fetch_p99 = pct(human["fetch_ms"], 99)
    print(f"paced run: {args.n} participants, think {args.think[0]:g}–{args.think[1]:g} s per question, "
          f"{len(human['answer_ms'])} answers in {human['wall']:.0f} s "
          f"({len(human['answer_ms']) / human['wall']:.0f} answers/s + as many question fetches/s)")
    print(f"{'paced fetch question (GET)':34}{len(human['fetch_ms']):>9}{'':>9}"
          f"{pct(human['fetch_ms'], 50):>9.1f}{human_fetch_p99:>9.1f}")
    print(f"{'paced answer (POST)':34}{len(human['answer_ms']):>9}{'':>9}"
          f"{pct(human['answer_ms'], 50):>9.1f}{human_p99:>9.1f}")
    errors = r["errors"] + human["errors"]

    def verdict(ok):
        return "OK" if ok else "MISSED"
    print(f"answers/s ÷ floor = {ratio:.2f}  (goal ≥ 0.5)  {verdict(ratio >= 0.5)}")
    print(f"answer p99 at {args.concurrency} in flight = {p99:.0f} ms  (goal ≤ 150 ms)  {verdict(p99 <= 150)}")
    print(f"human pace p99: fetch {human_fetch_p99:.0f} ms, answer {human_p99:.0f} ms  (goal ≤ 100 ms)  "
          f"{verdict(max(human_p99, human_fetch_p99) <= 100)}")
    print(f"errors: {len(errors)}  (goal 0)" + (f"  e.g. {errors[:3]}" if errors else ""))
    if args.postgres:
        drop_postgres(PG_DB)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
