"""`manage.py runall` (`make run`): Ctrl-C or SIGTERM to its process group stops the web server, the
socket server, the worker and the fake WeChat API quietly, leaving nothing behind; a busy port (the fake
WeChat API's too) moves to the next free one with a message naming the variable to set."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def group_alive(pgid: int) -> bool:
    out = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout.split()
    return any("\nState:\tZ" not in _status(pid) for pid in out)


def _status(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/status") as f:
            return f.read()
    except FileNotFoundError:
        return "\nState:\tZ"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_to_the_process_group_stops_every_child_and_busy_ports_move(tmp_path, sig):
    busy_web, busy_api = socket.socket(), socket.socket()
    busy_web.bind(("127.0.0.1", 0))
    busy_api.bind(("127.0.0.1", 0))
    busy_web.listen()
    busy_api.listen()
    web, api = busy_web.getsockname()[1], busy_api.getsockname()[1]
    env = {**os.environ, "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "MEDIA_ROOT": str(tmp_path / "media"),
           "WECHAT_API_BASE": f"http://127.0.0.1:{api}"}
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SITE_URL", "WS_ORIGIN"):
        env.pop(name, None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
    out, err = open(tmp_path / "out.log", "w+"), open(tmp_path / "err.log", "w+")
    # Its own process group, as `make run` in a terminal: the signal goes to the whole group.
    # Started as a script's background job is: with SIGINT ignored, which Python keeps (runall must
    # install its own handler, or Ctrl-C would never stop it).
    runall = subprocess.Popen([sys.executable, "manage.py", "runall", "--port", str(web),
                               "--ws-port", str(free_port())], cwd=settings.BASE_DIR, env=env,
                              stdout=out, stderr=err, start_new_session=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    groups: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while "is running" not in (tmp_path / "out.log").read_text() and time.monotonic() < deadline:
            assert runall.poll() is None, (tmp_path / "err.log").read_text()
            time.sleep(0.3)
        stdout, stderr = (tmp_path / "out.log").read_text(), (tmp_path / "err.log").read_text()
        new_web = int(re.search(r"is running: http://127\.0\.0\.1:(\d+)/", stdout)[1])
        new_api = int(re.search(rf"Port {api} is in use; using (\d+) instead\. Set WECHAT_API_BASE", stderr)[1])
        assert new_web != web and f"Port {web} is in use; using {new_web} instead. Set PORT" in stderr
        assert f"端口 {web} 已被占用" in stderr
        assert listening(new_web) and listening(new_api)
        groups = [int(p) for p in subprocess.run(["pgrep", "-P", str(runall.pid)], capture_output=True,
                                                  text=True).stdout.split()]
        assert len(groups) == 4  # web, sockets, worker, fake WeChat API: each leads its own group

        os.killpg(runall.pid, sig)
        assert runall.wait(timeout=60) == 0
        deadline = time.monotonic() + 15
        while any(group_alive(g) for g in groups) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(group_alive(g) for g in groups)
        assert not listening(new_web) and not listening(new_api)
        stderr = (tmp_path / "err.log").read_text()
        assert "Traceback" not in stderr and "Traceback" not in (tmp_path / "out.log").read_text()
    finally:
        busy_web.close()
        busy_api.close()
        if runall.poll() is None:
            os.killpg(runall.pid, signal.SIGKILL)
        for group in groups:
            if group_alive(group):
                os.killpg(group, signal.SIGKILL)
