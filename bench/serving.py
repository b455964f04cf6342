"""Serving: the WSGI floor, and what the pages and `make run` get against it, in one run.

Seeds a temporary SQLite database with `manage.py demo` (459 libraries, two campaigns, families),
then measures with CONCURRENCY requests in flight for SECONDS each:

  floor      GET /events/ping/ (a trivial view) on gunicorn, WORKERS sync workers
  gthread    the same on WORKERS gthread workers × 4 threads (which worker class serves better)
  pages      /, a campaign page, a branch page on the floor's server      goal ≥ 0.3 × floor
  make run   `manage.py runall` (gunicorn + socket server + worker + fake WeChat API):
             /events/ping/ and / against the same URLs on the floor's server  goal ≥ 0.8

    .venv/bin/python -m bench.serving [--workers 2] [--seconds 5] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import HEADER, ROOT, bench_environment, closed_loop, free_port, manage, row, start_web, stop

FIND = r"""
from campaigns.models import Campaign, CampaignLibrary
c = Campaign.objects.order_by("id").first()
lib = CampaignLibrary.objects.filter(campaign=c, library__level="city").select_related("library").first().library
print("FIND", c.slug, lib.code)
"""


async def measure(base: str, paths: dict[str, str], concurrency: int, seconds: float) -> dict[str, dict]:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=aiohttp.ClientTimeout(total=30)) as http:
        async def get(path):
            async def request(session, i):
                async with session.get(base + path) as r:
                    await r.read()
                    return True if r.status == 200 else f"{path}: HTTP {r.status}"
            return request

        for path in paths.values():  # warm-up: imports, templates, connections
            await closed_loop(http, await get(path), concurrency=4, seconds=0.5)
        return {name: await closed_loop(http, await get(path), concurrency=concurrency, seconds=seconds)
                for name, path in paths.items()}


def wait_listening(port: int, proc: subprocess.Popen, seconds: float = 90) -> None:
    import socket

    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("make run did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS") or 2))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    env = bench_environment(tmp)
    print(f"SQLite (WAL), `manage.py demo` data; gunicorn, {args.workers} workers; {args.concurrency} in flight, "
          f"{args.seconds:g} s per row; load average {os.getloadavg()[0]:.1f}")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "createcachetable")
    manage(env, "demo")
    slug, code = manage(env, "shell", "-c", FIND).split("FIND", 1)[1].split()
    pages = {"home /": "/", "campaign page": f"/c/{slug}/", "branch page": f"/c/{slug}/lib/{code}/"}
    go = lambda port, paths: asyncio.run(measure(f"http://127.0.0.1:{port}", paths,  # noqa: E731
                                                 args.concurrency, args.seconds))

    port = free_port()
    web = start_web(env, port, tmp / "sync.log", workers=args.workers)
    try:
        floor = go(port, {"floor": "/events/ping/", **pages})
    finally:
        stop(web)
    port = free_port()
    web = start_web(env, port, tmp / "gthread.log", workers=args.workers, threads=4)
    try:
        gthread = go(port, {"ping": "/events/ping/", "home /": "/"})
    finally:
        stop(web)
    port, ws_port, api_port = free_port(), free_port(), free_port()
    runall = subprocess.Popen([sys.executable, "manage.py", "runall", "--port", str(port), "--ws-port", str(ws_port)],
                              cwd=ROOT, env={**env, "WEB_WORKERS": str(args.workers), "WECHAT_API_BASE":
                                             f"http://127.0.0.1:{api_port}"},
                              stdout=open(tmp / "runall.log", "w"), stderr=subprocess.STDOUT)
    try:
        wait_listening(port, runall)
        time.sleep(2)  # the worker and the socket server settle
        made = go(port, {"ping": "/events/ping/", "home /": "/"})
    finally:
        runall.send_signal(signal.SIGTERM)
        runall.wait(timeout=60)

    base = floor["floor"]
    print(HEADER)
    print(row(f"floor: /events/ping/, {args.workers} sync workers", base, base))
    print(row(f"gthread ({args.workers} × 4 threads): /events/ping/", gthread["ping"], base))
    print(row("gthread: home /", gthread["home /"], floor["home /"]) + "  (÷ / on sync)")
    goals = []
    for name in pages:
        print(row(f"page: {name}", floor[name], base))
        goals.append((f"{name} ÷ floor", floor[name]["rps"] / base["rps"], 0.3))
    print(row("make run: /events/ping/", made["ping"], base))
    print(row("make run: home /", made["home /"], floor["home /"]) + "  (÷ / on the floor's server)")
    goals.append(("make run /events/ping/ ÷ floor", made["ping"]["rps"] / base["rps"], 0.8))
    goals.append(("make run / ÷ / on the floor's server", made["home /"]["rps"] / floor["home /"]["rps"], 0.8))
    errors = sum(len(r["errors"]) for group in (floor, gthread, made) for r in group.values())
    for name, value, goal in goals:
        print(f"{name} = {value:.2f}  (goal ≥ {goal})  {'OK' if value >= goal else 'BELOW GOAL'}")
    print(f"errors: {errors}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
