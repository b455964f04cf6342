"""Cost of visit counting on the real ASGI server: page throughput with counting on ÷ off.

Starts the web server (gunicorn) twice on one temporary SQLite database — once with the project's settings (the
VisitCountingMiddleware counts /c/<slug>/ and /c/<slug>/lib/<code>/), once with the middleware
removed — and alternates rounds (off, on, off, on, …) of keep-alive GETs of a campaign page and
branch pages from many simulated visitors. Goal: on ÷ off ≥ 0.9. Afterwards the buffered hits are
rolled up and must equal the requests made with counting on (exact in the end).

    .venv/bin/python -m bench.visit_counting
"""

import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import free_port

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
SLUG = "bench-visits"
BRANCHES = ["C-HN-CS", "X-HN-CSX", "C-HN-ZZ", "C-HE-SJZ"]

OFF_SETTINGS = '''from config.settings import *  # noqa: F401,F403
from config.settings import MIDDLEWARE

MIDDLEWARE = [m for m in MIDDLEWARE if m != "reports.visits.VisitCountingMiddleware"]
'''

SEED = f"""
from datetime import datetime, timezone
from campaigns.library_import import libraries_import
from campaigns.models import Campaign, CampaignLibrary, Library, Stage
libraries_import(path=r"{ROOT / 'campaigns' / 'examples' / 'libraries.csv'}")
c = Campaign.objects.create(slug="{SLUG}", title="网络书香过大年", lead_library=Library.objects.get(code="NLC"))
Stage.objects.create(campaign=c, kind="entries_open", starts_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                     ends_at=datetime(2028, 1, 1, tzinfo=timezone.utc))
for code in {BRANCHES!r}:
    CampaignLibrary.objects.create(campaign=c, library=Library.objects.get(code=code))
"""


def manage(env, *args, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, **kwargs)


def start(env, settings_module: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    from config.management.commands.runall import web_command

    proc = subprocess.Popen(
        web_command("127.0.0.1", port),
        # The clients' X-Forwarded-For stands for a proxy in front: believed only from a trusted peer.
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": settings_module, "DJANGO_TRUSTED_PROXIES": "127.0.0.1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", f"/c/{SLUG}/")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def hammer(port: int, seconds: float) -> int:
    """GETs from CONCURRENCY keep-alive clients for `seconds`; returns successful responses."""
    paths = [f"/c/{SLUG}/"] + [f"/c/{SLUG}/lib/{code}/" for code in BRANCHES]
    counts = [0] * CONCURRENCY
    stop = time.time() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while time.time() < stop:
            conn.request("GET", paths[n % len(paths)], headers={
                "User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0", "X-Forwarded-For": f"10.9.{i}.{n % 200}"})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                counts[i] += 1
            n += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "bench_visits_off.py").write_text(OFF_SETTINGS)
        env = {**os.environ, "SQLITE_PATH": str(tmp / "db.sqlite3"), "MEDIA_ROOT": str(tmp / "media"),
               "DJANGO_DEBUG": "0", "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}"}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "createcachetable")
        manage(env, "shell", "-c", SEED)
        servers = {"off": start(env, os.environ.get("BENCH_OFF_SETTINGS", "bench_visits_off")),
                   "on": start(env, "config.settings")}
        try:
            for port in (servers["off"][1], servers["on"][1]):
                hammer(port, 1.5)  # warm up both (templates, connections, salt)
            before = int(manage(env, "shell", "-v", "0", "-c",
                                "from reports.models import VisitHit; print(VisitHit.objects.count())").stdout.split()[-1])
            results = {"off": [], "on": []}
            for i in range(ROUNDS):
                # ABBA order: neither mode always runs first (the machine's load drifts).
                for mode in (("off", "on") if i % 2 == 0 else ("on", "off")):
                    n = hammer(servers[mode][1], SECONDS)
                    results[mode].append(n)
        finally:
            for proc, _port in servers.values():
                proc.terminate()
                proc.wait(timeout=10)
        counted = manage(env, "shell", "-v", "0", "-c", (
            "from reports.models import VisitHit, VisitorDay; from django.db.models import Sum; "
            "from reports.services import visits_rollup; pending = VisitHit.objects.count(); visits_rollup(); "
            "print(pending, VisitorDay.objects.aggregate(s=Sum('views'))['s'])")).stdout.split()[-2:]
        off = sum(results["off"]) / (ROUNDS * SECONDS)
        on = sum(results["on"]) / (ROUNDS * SECONDS)
        ratio = on / off
        print(f"gunicorn, SQLite (WAL), {CONCURRENCY} keep-alive clients, {ROUNDS} alternating rounds × {SECONDS:g} s")
        print(f"{'mode':<26}{'pages/s':>9}   rounds")
        print(f"{'counting off (baseline)':<26}{off:>9.1f}   {results['off']}")
        print(f"{'counting on':<26}{on:>9.1f}   {results['on']}")
        print(f"ratio on ÷ off: {ratio:.3f}   goal ≥ 0.9 → {'OK' if ratio >= 0.9 else 'MISSED'}")
        made = sum(results["on"])
        print(f"exact in the end: {int(counted[0]) - before} buffered hits from the timed rounds for {made} counted "
              f"responses; after the rollup VisitorDay holds {counted[1]} page views (incl. warm-up)")


if __name__ == "__main__":
    main()
