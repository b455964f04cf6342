"""`manage.py runall` stops its web server, worker and fake WeChat API when it is itself terminated."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_every_child(tmp_path):
    web, api = free_port(), free_port()
    env = {**os.environ, "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "MEDIA_ROOT": str(tmp_path / "media"),
           "WECHAT_API_BASE": f"http://127.0.0.1:{api}", "SITE_URL": f"http://127.0.0.1:{web}"}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
    runall = subprocess.Popen([sys.executable, "manage.py", "runall", "--port", str(web)], cwd=settings.BASE_DIR,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = []
    try:
        deadline = time.monotonic() + 60
        while not (listening(web) and listening(api)) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert listening(web) and listening(api)
        children += [int(p) for p in subprocess.run(["pgrep", "-P", str(runall.pid)], capture_output=True,
                                                   text=True).stdout.split()]
        assert len(children) >= 3 and runall.poll() is None
        runall.send_signal(signal.SIGTERM)
        runall.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in children)
        assert not listening(web) and not listening(api)
    finally:
        if runall.poll() is None:
            runall.kill()
        for pid in children:
            if alive(pid):
                os.killpg(pid, signal.SIGKILL)  # each child leads its own session
