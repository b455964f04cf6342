"""Access token under concurrency: 8 worker processes ask for the token at the same instant, right
after it expired, against the fake WeChat API. Goal: exactly one stable_token call, one token.

Baseline in the same run: the same 8 processes with wechatpy 1.8.18's own client (per-process
memory session, no lock), which is what the engine would do without wechat/client.py.

    .venv/bin/python -m bench.wechat_token [--workers 8] [--rounds 3] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import bench_environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_DB = "shuxiang_bench_token"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
APP_ID, SECRET = "wxbench0000000001", "bench-secret"


def setup_env(tmp: Path, postgres: bool, fake_url: str) -> dict:
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    return bench_environment(tmp, postgres=postgres, pg_db=PG_DB, redis_url=REDIS, base={},
                             WECHAT_API_BASE=fake_url, WECHAT_APP_ID=APP_ID, WECHAT_APP_SECRET=SECRET)


def worker(env: dict, which: str, start, results) -> None:
    os.environ.update(env)
    import django

    django.setup()
    if which == "ours":
        from wechat import client

        start.wait()
        t0 = time.perf_counter()
        token = client.access_token()
    else:
        import requests
        from wechatpy import WeChatClient

        class Redirect(requests.adapters.HTTPAdapter):
            def send(self, request, **kw):
                request.url = request.url.replace("https://api.weixin.qq.com", env["WECHAT_API_BASE"], 1)
                kw["timeout"] = kw.get("timeout") or (3, 10)
                return super().send(request, **kw)

        wc = WeChatClient(APP_ID, SECRET)
        wc._http.mount("https://api.weixin.qq.com/", Redirect())
        start.wait()
        t0 = time.perf_counter()
        token = wc.access_token
    results.put((token, (time.perf_counter() - t0) * 1000))


def burst(env: dict, which: str, workers: int) -> tuple[list[str], list[float]]:
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(env, which, start, results)) for _ in range(workers)]
    for p in procs:
        p.start()
    time.sleep(3.0)  # let every process import Django and reach the barrier
    start.set()
    out = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    return [t for t, _ in out], [ms for _, ms in out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis (Redis cache) instead of SQLite")
    args = parser.parse_args()
    from wechat.fake_api.server import FakeWeChat

    tmp = Path(tempfile.mkdtemp(prefix="wechat-token-"))
    with FakeWeChat(app_id=APP_ID, secret=SECRET) as fake:
        env = setup_env(tmp, args.postgres, fake.url)
        full_env = {**os.environ, **env}
        for command in (["migrate", "--no-input", "-v0"], ["createcachetable"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=full_env, check=True)
        print(f"cache: {'Redis' if args.postgres else 'database cache (SQLite)'}; {args.workers} processes per burst")
        print(f"{'round':<8}{'client':<28}{'refresh calls':>14}{'distinct tokens':>17}{'max wait ms':>13}")
        ok = True
        for round_no in range(1, args.rounds + 1):
            fake.expire_tokens()
            subprocess.run([sys.executable, "manage.py", "shell", "-c",
                            "from wechat.client import forget_tokens; forget_tokens()"], cwd=ROOT, env=full_env,
                           check=True, capture_output=True)
            before = fake.calls("/cgi-bin/stable_token")
            tokens, waits = burst(full_env, "ours", args.workers)
            ours = fake.calls("/cgi-bin/stable_token") - before
            print(f"{round_no:<8}{'wechat/client.py':<28}{ours:>14}{len(set(tokens)):>17}{max(waits):>13.0f}")
            ok = ok and ours == 1 and len(set(tokens)) == 1
            fake.expire_tokens()
            before = fake.calls("/cgi-bin/token")
            tokens, waits = burst(full_env, "wechatpy", args.workers)
            theirs = fake.calls("/cgi-bin/token") - before
            print(f"{round_no:<8}{'wechatpy 1.8.18 (baseline)':<28}{theirs:>14}{len(set(tokens)):>17}{max(waits):>13.0f}")
        print(json.dumps({"goal": "exactly 1 refresh per burst", "met": ok}))
        print("GOAL MET" if ok else "GOAL NOT MET")


if __name__ == "__main__":
    main()
