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
           "DJANGO_DEBUG": "0", "SQLITE_PATH": str(tmp / "bench.sqlite3"), "MEDIA_ROOT": str(tmp / "media"),
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
