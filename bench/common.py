"""What the server benchmarks share: ports, a fresh PostgreSQL database, the environment of a
benchmark server, `manage.py` in that environment, and percentiles."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_postgres(name: str) -> str:
    """Drop and create database `name` on the benchmark server; returns its URL."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG_SERVER}/{name}"


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def bench_environment(tmp: Path, *, postgres: bool = False, pg_db: str = "", redis_url: str = "",
                      base: dict | None = None, **extra: str) -> dict:
    """A server environment on a temporary SQLite file, or on a fresh PostgreSQL database + Redis."""
    env = {**(os.environ if base is None else base), "DJANGO_SETTINGS_MODULE": "config.settings",
           "DJANGO_DEBUG": "0", "SHUXIANG_DEV": "1", "SQLITE_PATH": str(tmp / "bench.sqlite3"), "MEDIA_ROOT": str(tmp / "media"),
           "LOG_LEVEL": "WARNING", **extra}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if postgres:
        env["DATABASE_URL"] = fresh_postgres(pg_db)
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args[:1])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a benchmark server, killing it if it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def start_web(env: dict, port: int, log: Path, *, workers: int = 2, threads: int = 1) -> subprocess.Popen:
    """The web server of `make run` (gunicorn, config/gunicorn.py) with `workers` × `threads`."""
    import socket as _socket
    import time

    from config.management.commands.runall import web_command

    proc = subprocess.Popen(web_command("127.0.0.1", port), cwd=ROOT,
                            env={**env, "WEB_WORKERS": str(workers), "WEB_THREADS": str(threads)},
                            stdout=open(log, "a"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            _socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start:\n" + log.read_text()[-3000:])


async def closed_loop(session, request, *, concurrency: int = 64, seconds: float = 5.0) -> dict:
    """`concurrency` clients, each sending `await request(session, i)` back to back for `seconds`
    (i counts requests). Returns {"n", "rps", "ms" (latencies), "errors"}; request returns ok/not ok."""
    import asyncio
    import time

    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(10**9))
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                ok = await request(session, next(counter))
            except Exception as exc:  # noqa: BLE001 - counted, the run goes on
                ok = f"{exc.__class__.__name__}: {exc}"
            latencies.append((time.perf_counter() - t0) * 1000)
            if ok is not True:
                errors.append(str(ok))

    t0 = time.perf_counter()
    await asyncio.gather(*[client() for _ in range(concurrency)])
    wall = time.perf_counter() - t0
    return {"n": len(latencies), "rps": len(latencies) / wall, "ms": latencies, "errors": errors}


def row(name: str, result: dict, floor: dict | None = None) -> str:
    ratio = f"{result['rps'] / floor['rps']:>7.2f}" if floor else f"{'':>7}"
    return (f"{name:<40}{result['n']:>8}{result['rps']:>9.0f}{ratio}{pct(result['ms'], 50):>9.1f}"
            f"{pct(result['ms'], 99):>9.1f}{len(result['errors']):>7}")


HEADER = f"{'':<40}{'requests':>8}{'req/s':>9}{'÷floor':>7}{'p50 ms':>9}{'p99 ms':>9}{'errors':>7}"
