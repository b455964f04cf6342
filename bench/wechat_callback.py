"""WeChat callback: signed deliveries (text, voice and event messages), 64 in flight, against the web
server of `make run`, side by side with the WSGI floor (a trivial view on the same server) in one run.

Starts gunicorn (WORKERS sync workers) on a fresh database (a temporary SQLite file, or PostgreSQL +
Redis with --postgres), seeds a campaign with an open recitation event, linked followers and children,
then alternates ROUNDS × (floor, callback), N requests in flight, SECONDS each:

  floor     GET /events/ping/ (a trivial JSON view)
  callback  POST /wechat/callback/?signature=… — distinct, freshly signed messages: 答题 / 报名 / 我的作品
            keywords, voice messages (the reply carries the confirmation link), subscribe with a
            library scene, menu clicks, unsubscribe and MASSSENDJOBFINISH results; every tenth is
            WeChat's retry of an earlier delivery, which must get the same answer

Every reply is checked (HTTP 200, XML with the expected content, or "success"). Afterwards the drain
task runs and the recorded messages are counted: each distinct delivery exactly once, none left.
Goals: deliveries/s ÷ floor ≥ 0.5; p99 ≤ 150 ms at 64 in flight; every retry processed exactly once.

    .venv/bin/python -m bench.wechat_callback [--n 64] [--rounds 2] [--seconds 4] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_environment, closed_loop, drop_postgres, free_port, manage, pct, start_web, stop  # noqa: E402,I001

PG_DB = "shuxiang_bench_wechat"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
TOKEN = "benchtoken"
RUN_START = int(time.time())

SEED = r"""
import json
from datetime import timedelta
from django.utils import timezone
from campaigns.models import Campaign, Child, Library, Stage, User
from events.models import Event, Poem
from wechat.models import Follower

nlc = Library.objects.create(code="NLC", name="国家图书馆", level="national", path="/NLC/")
hn = Library.objects.create(code="P-HN", name="湖南图书馆", level="provincial", parent=nlc, path="/NLC/P-HN/")
cs = Library.objects.create(code="C-HN-CS", name="长沙图书馆", level="city", parent=hn, path="/NLC/P-HN/C-HN-CS/")
now = timezone.now()
campaign = Campaign.objects.create(slug="bench", title="童音诵古韵", lead_library=nlc,
    config={"wechat": {"keywords": {"答题": "quiz", "报名": "register", "我的作品": "my_entries"}}})
Stage.objects.create(campaign=campaign, kind="published", starts_at=now - timedelta(days=3))
Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=now - timedelta(days=2), ends_at=now + timedelta(days=2))
event = Event.objects.create(campaign=campaign, slug="recite", kind="recitation", title="古诗诵读",
    settings={"entries": {"media": ["audio"], "channels": ["web", "wechat_voice"]}})
for key, title in [("jingyesi", "静夜思"), ("chunxiao", "春晓")]:
    event.poems.add(Poem.objects.create(key=key, title=title, author="李白", lines=["床前明月光"]))
Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="诗词答题")
openids = []
for i in range(FOLLOWERS):
    user = User(username=f"g{i}", phone=f"139{i:08d}")
    user.set_unusable_password()
    user.save()
    Child.objects.create(guardian=user, display_name=f"孩子{i}", nickname=f"昵称{i}", birth_year=2017, library=cs)
    openid = f"oBenchFollower{i:014d}"
    Follower.objects.create(openid=openid, subscribed=True, user=user, library=cs)
    openids.append(openid)
print("SEED" + json.dumps({"openids": openids}))
"""

DRAIN = r"""
import time
from wechat.models import Follower, InboundMessage, VoiceMessage
from wechat.services.inbound import inbound_drain
t0 = time.perf_counter()
n = 0
while True:
    done = inbound_drain()
    n += done
    if not done:
        break
print(f"DRAIN {n} {time.perf_counter() - t0:.2f} {VoiceMessage.objects.count()} {Follower.objects.count()} "
      f"{InboundMessage.objects.filter(processed_at__isnull=True).count()} {InboundMessage.objects.count()}")
"""


def environment(tmp: Path, postgres: bool) -> dict:
    return bench_environment(tmp, postgres=postgres, pg_db=PG_DB, redis_url=REDIS, WECHAT_TOKEN=TOKEN,
                             WECHAT_API_BASE="http://127.0.0.1:9", SITE_URL="http://127.0.0.1:8000",
                             WECHAT_ACCOUNT_TYPE="service")


KINDS = ["text:答题", "voice", "text:报名", "subscribe", "click", "text:我的作品", "voice", "mass", "unsubscribe",
         "text:你好"]


def deliveries(openids: list[str], count: int, serial: int) -> list[tuple[str, bytes, str]]:
    """`count` distinct signed deliveries (query string, body, expected reply marker)."""
    import hashlib
    import secrets
    from urllib.parse import urlencode

    out = []
    now = int(time.time())
    for i in range(count):
        n = serial + i
        kind = KINDS[n % len(KINDS)]
        openid = openids[n % len(openids)] if kind != "subscribe" else f"oBenchNew{n:019d}"
        # A follower's events in one run have distinct CreateTimes (WeChat de-duplicates events by
        # sender + CreateTime): counted back from the run's start, not from `now`, which moves while
        # the run goes on — two clicks of one follower a second apart would otherwise share a time.
        created = RUN_START - n // len(openids)
        head = (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
                f"</FromUserName><CreateTime>{created}</CreateTime>")
        msg_id = 24300000000000000 + n
        if kind.startswith("text:"):
            body = head + f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{kind[5:]}]]></Content><MsgId>{msg_id}</MsgId></xml>"
            expect = {"text:答题": "答题入口", "text:报名": "报名", "text:我的作品": "My entries", "text:你好": "回复关键词"}[kind]
        elif kind == "voice":
            body = (head + f"<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[benchMedia{n}]]></MediaId>"
                    f"<Format><![CDATA[amr]]></Format><MsgId>{msg_id}</MsgId></xml>")
            expect = f"/wechat/voice/msg/{msg_id}/"
        elif kind == "subscribe":
            body = (head + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>"
                    "<EventKey><![CDATA[qrscene_lib-P-HN]]></EventKey><Ticket><![CDATA[gQ]]></Ticket></xml>")
            expect = "湖南图书馆"
        elif kind == "click":
            body = (head + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
                    "<EventKey><![CDATA[MY_ENTRIES]]></EventKey></xml>")
            expect = "My entries"
        elif kind == "mass":
            body = (head + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[MASSSENDJOBFINISH]]></Event>"
                    f"<MsgID>{msg_id}</MsgID><Status><![CDATA[send success]]></Status><TotalCount>3</TotalCount>"
                    "<FilterCount>3</FilterCount><SentCount>3</SentCount><ErrorCount>0</ErrorCount></xml>")
            expect = "success"
        else:
            body = (head + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event>"
                    f"<EventKey><![CDATA[{n}]]></EventKey></xml>")
            expect = "success"
        nonce = str(secrets.randbelow(10**9))
        signature = hashlib.sha1("".join(sorted([TOKEN, str(now), nonce])).encode()).hexdigest()
        query = urlencode({"signature": signature, "timestamp": now, "nonce": nonce, "openid": openid})
        out.append((query, body.encode(), expect))
    return out


async def timed(factory):
    t0 = time.perf_counter()
    ok, detail = await factory()
    return ok, detail, (time.perf_counter() - t0) * 1000


async def run(base: str, openids: list[str], n: int, rounds: int, seconds: float) -> dict:
    import aiohttp

    errors: list[str] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=aiohttp.ClientTimeout(total=60)) as http:
        async def ping():
            async with http.get(f"{base}/events/ping/") as r:
                await r.read()
                return r.status == 200, r.status

        def post(query, body, expect):
            async def send():
                async with http.post(f"{base}/wechat/callback/?{query}", data=body,
                                     headers={"Content-Type": "text/xml"}) as r:
                    text = await r.text()
                    return r.status == 200 and expect in text, f"{r.status} {text[:120]!r} (expected {expect!r})"
            return send

        serial = 0
        for _ in range(2):  # warm-up outside the measurement
            await asyncio.gather(*[ping() for _ in range(20)])
            await asyncio.gather(*[post(*d)() for d in deliveries(openids, 20, serial)])
            serial += 20
        ping_runs, cb_runs, retries = [], [], 0
        first: dict[int, tuple] = {}

        async def ping_request(session, i):
            ok, detail = await ping()
            return True if ok else f"ping {detail}"

        async def callback_request(session, i):
            nonlocal retries
            if i % 10 == 9 and i - 5 in first:  # WeChat's retry of an earlier delivery: same answer, once
                query, body, expect = first[i - 5]
                retries += 1
            else:
                query, body, expect = first[i] = deliveries(openids, 1, serial + i)[0]
            ok, detail = await post(query, body, expect)()
            return True if ok else f"callback {detail}"

        for _ in range(rounds):  # interleaved, so both see the same machine load
            ping_runs.append(await closed_loop(http, ping_request, concurrency=n, seconds=seconds))
            base_i = len(first) + retries
            cb_runs.append(await closed_loop(http, lambda s, i, b=base_i: callback_request(s, b + i),
                                             concurrency=n, seconds=seconds))
        serial += len(first) + retries + 10
        errors += [e for r in ping_runs + cb_runs for e in r["errors"]]
        ping_ms = [ms for r in ping_runs for ms in r["ms"]]
        cb_ms = [ms for r in cb_runs for ms in r["ms"]]
        ping_rps = sum(r["rps"] for r in ping_runs) / rounds
        cb_rps = sum(r["rps"] for r in cb_runs) / rounds
        distinct = 40 + len(first)
        # One at a time (no queueing behind the burst): the handling latency itself.
        single_ping, single_cb = [], []
        for d in deliveries(openids, 50, serial):
            single_ping.append((await timed(ping))[2])
            ok, detail, ms = await timed(post(*d))
            single_cb.append(ms)
            if not ok:
                errors.append(f"callback {detail}")
        serial += 50
    return {"ping_ms": ping_ms, "ping_rps": ping_rps, "cb_ms": cb_ms, "cb_rps": cb_rps, "errors": errors,
            "distinct": distinct + 50, "retries": retries, "single_ping": single_ping, "single_cb": single_cb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64, help="deliveries in flight at once")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=4.0, help="per round, for the floor and the callback each")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS") or 2))
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis instead of SQLite")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wechat-bench-"))
    env = environment(tmp, args.postgres)
    print(f"数据库 database: {'PostgreSQL + Redis' if args.postgres else 'SQLite (WAL) + database cache'}; "
          f"{args.n} deliveries in flight, {args.rounds} × {args.seconds:g} s; gunicorn, {args.workers} sync workers; "
          f"load average {os.getloadavg()[0]:.1f}")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "createcachetable")
    seed = json.loads(manage(env, "shell", "-c", SEED.replace("FOLLOWERS", str(args.followers))).split("SEED", 1)[1])
    port = free_port()
    server = start_web(env, port, tmp / "server.log", workers=args.workers)
    try:
        r = asyncio.run(run(f"http://127.0.0.1:{port}", seed["openids"], args.n, args.rounds, args.seconds))
    finally:
        stop(server)
    ratio = r["cb_rps"] / r["ping_rps"]
    p99 = pct(r["cb_ms"], 99)
    print(f"{'':34}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'floor GET /events/ping/':34}{len(r['ping_ms']):>9}{r['ping_rps']:>9.0f}"
          f"{pct(r['ping_ms'], 50):>9.1f}{pct(r['ping_ms'], 99):>9.1f}")
    print(f"{'signed POST /wechat/callback/':34}{len(r['cb_ms']):>9}{r['cb_rps']:>9.0f}"
          f"{pct(r['cb_ms'], 50):>9.1f}{p99:>9.1f}")
    print(f"{'one at a time: ping':34}{len(r['single_ping']):>9}{'':>9}"
          f"{pct(r['single_ping'], 50):>9.1f}{pct(r['single_ping'], 99):>9.1f}")
    print(f"{'one at a time: callback':34}{len(r['single_cb']):>9}{'':>9}"
          f"{pct(r['single_cb'], 50):>9.1f}{pct(r['single_cb'], 99):>9.1f}")
    applied, seconds, voices, followers, left, recorded = manage(env, "shell", "-c", DRAIN).split("DRAIN", 1)[1].split()
    once = int(recorded) == r["distinct"] and int(left) == 0
    print(f"drain task afterwards: {applied} messages applied in {seconds} s ({voices} voice messages, {followers} "
          f"followers; {left} left unprocessed); {r['distinct']} distinct deliveries + {r['retries']} retries → "
          f"{recorded} recorded: {'each exactly once' if once else 'NOT exactly once'}")
    print(f"errors: {len(r['errors'])}" + (f" — first: {r['errors'][0]}" if r["errors"] else ""))

    def verdict(ok):
        return "OK" if ok else "MISSED"
    print(f"deliveries/s ÷ floor = {ratio:.2f}  (goal ≥ 0.5)  {verdict(ratio >= 0.5)}")
    print(f"callback p99 at {args.n} in flight = {p99:.0f} ms  (goal ≤ 150 ms)  {verdict(p99 <= 150)}")
    print(f"retries processed exactly once: {verdict(once)}")
    if args.postgres:
        drop_postgres(PG_DB)


if __name__ == "__main__":
    main()
