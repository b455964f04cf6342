"""The real worker (`manage.py qcluster`, two worker processes) on PostgreSQL with the production
settings and the recommended connection pool (DATABASE_POOL_MAX=20): uploads are processed, a worker is
killed in the middle of one (the sentinel forks its replacement after it has used the pool), and every
entry finishes exactly once, with none of the errors a connection shared across a fork gives.
(config/forks.py; SQLite runs skip this test.)"""

import os
import secrets
import signal
import subprocess
import sys

import pytest
from django.conf import settings

from config.ffmpeg import ffmpeg_path
from tests.submissions.scripts.common import FileProject, base_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not settings.DATABASE_IS_POSTGRES, reason="needs DATABASE_URL on PostgreSQL"),
]

# What a connection used on both sides of a fork looks like (issue 16's audit): psycopg's own words in
# tracebacks, and django-q2 logging errors and reincarnating its pusher or monitor (CRITICAL, in the
# site's language — so lines are counted by level, not by message).
SHARED_CONNECTION = ["lost synchronization", "insufficient data", "did not affect any rows", "Traceback",
                     "server closed the connection", "InterfaceError", "OperationalError"]


def admin_connect():
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                           password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


class PostgresProject(FileProject):
    """A project on its own PostgreSQL database, with production settings and the pool."""

    def __init__(self, root, name: str, **env):
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.name, self.procs = root, name, []
        self.url = database_url(name)
        self.env = {**base_env(root), "DATABASE_URL": self.url, "DATABASE_POOL_MAX": "20",
                    "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                    "WECHAT_TOKEN": secrets.token_hex(16), "WECHAT_ENCODING_AES_KEY": secrets.token_urlsafe(32)[:43],
                    "WECHAT_APP_SECRET": secrets.token_hex(16), **{k: str(v) for k, v in env.items()}}
        if settings.REDIS_URL:
            self.env["REDIS_URL"] = settings.REDIS_URL  # this pytest worker's own Redis database
        with admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        for command in (["migrate", "--no-input", "-v0"], ["createcachetable"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=self.env, check=True,
                           capture_output=True)

    def query(self, sql: str, *params):
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchall()

    def drop(self) -> None:
        with admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def long_recording(path, seconds: int):
    """A warbling tone ("speech") long enough for processing to be interrupted."""
    subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i",
                    f"sine=frequency=300:duration={seconds}:sample_rate=44100", "-af",
                    "volume='0.5*(0.6+0.4*sin(2*PI*t*2))':eval=frame", "-ac", "2", str(path)], check=True)
    return path


def test_worker_on_postgres_with_the_pool_survives_a_killed_worker(tmp_path, corpus):
    name = f"{settings.DATABASES['default']['NAME']}_worker_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    # Lease (= task timeout) < retry: the ORM broker redelivers the killed task after the lease is over.
    project = PostgresProject(tmp_path / "p", name, Q_WORKERS=2, Q_TIMEOUT=30, Q_RETRY=40)
    audio = corpus / "audio"
    files = [long_recording(tmp_path / "long1.wav", 120), long_recording(tmp_path / "long2.wav", 120),
             audio / "chunxiao.mp3", audio / "yonge_phone.m4a", audio / "bad_text_named.mp3",
             audio / "jingyesi_16k_mono.wav", audio / "denglou_chrome_recorder.webm", audio / "bad_silence.wav"]
    expected = ["ready", "ready", "ready", "ready", "rejected", "ready", "ready", "rejected"]
    log = project.root / "worker.log"
    try:
        entries = project.script("tests.submissions.scripts.submit_many", *map(str, files))["entries"]
        project.start_worker()
        # The worker process holding a recording: its pid is in its processing directory's name.
        processing = project.root / "processing"
        busy = project.wait_for(lambda: sorted(processing.glob("entry-*-*-*/original.*")), timeout=90)
        assert busy, "no worker started processing:\n" + log.read_text()[-3000:]
        entry_id, pid = (int(part) for part in busy[0].parent.name.split("-")[1:3])
        os.kill(pid, signal.SIGKILL)  # one worker, mid-task; the sentinel forks a new one

        def all_final():
            rows = project.query("SELECT status FROM submissions_entry")
            return rows and all(status in ("ready", "rejected") for (status,) in rows)

        assert project.wait_for(all_final, timeout=300, interval=1), (
            project.query("SELECT id, status, attempts FROM submissions_entry"), log.read_text()[-4000:])
    finally:
        project.stop()
        try:
            rows = {e: (s, a) for e, s, a in project.query("SELECT id, status, attempts FROM submissions_entry")}
            finished = project.query(
                "SELECT object_id, COUNT(*) FROM campaigns_auditevent WHERE action IN ('entry.ready', 'entry.rejected') "
                "GROUP BY object_id")
        finally:
            project.drop()
    text = log.read_text()
    critical = [line for line in text.splitlines() if " CRITICAL " in line]
    assert len(critical) == 1, text[-4000:]  # the killed worker's replacement, and nothing else reincarnated
    assert not [line for line in text.splitlines() if " ERROR " in line], text[-4000:]
    assert sorted(rows) == sorted(entries)
    assert [rows[e][0] for e in entries] == expected
    assert rows[entry_id][1] >= 2  # the interrupted entry was processed again...
    assert dict(finished) == {str(e): 1 for e in entries}  # ...and every entry finished exactly once
    for symptom in SHARED_CONNECTION:
        assert symptom not in text, f"{symptom!r} in the worker log:\n{text[-4000:]}"
