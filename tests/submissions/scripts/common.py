"""Helpers for tests that run the project in subprocesses on a temporary SQLite file (the embedded
default): a migrated template database made once per session, copied for each test."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings


def base_env(root: Path) -> dict:
    env = {**os.environ, "SQLITE_PATH": str(root / "db.sqlite3"), "MEDIA_ROOT": str(root / "media"),
           "PROCESSING_DIR": str(root / "processing"),
           "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(settings.BASE_DIR)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("S3_BUCKET", None)
    return env


def migrate_template(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    # As `make run` does: the database cache table too (saving a campaign drops cached WeChat state).
    for command in (["migrate", "--no-input", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR,
                       env=base_env(root), check=True, capture_output=True)
    db = root / "db.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


class FileProject:
    def __init__(self, template: Path, root: Path, **env):
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(template, root / "db.sqlite3")
        self.root = root
        self.db = root / "db.sqlite3"
        self.env = {**base_env(root), **{k: str(v) for k, v in env.items()}}
        self.procs: list[subprocess.Popen] = []

    def script(self, module: str, *args: str, timeout: int = 180) -> dict:
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=settings.BASE_DIR, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"{module} failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start_worker(self) -> subprocess.Popen:
        log = open(self.root / "worker.log", "a")
        proc = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def query(self, sql: str, *params):
        conn = sqlite3.connect(self.db, timeout=20)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def wait_for(self, predicate, timeout: float, interval: float = 0.05):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        return None

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                self.kill(proc, signal.SIGTERM)
