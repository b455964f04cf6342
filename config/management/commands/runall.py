"""`make run`: the web server (gunicorn, WSGI), the socket server (uvicorn, ASGI, /ws/ only), the task
worker and the fake WeChat API together, behind one printed URL. Pages open their WebSockets on the
socket server through WS_ORIGIN (docs/deploy.md). Ctrl-C, SIGTERM or SIGHUP stop every child; a busy
port moves to the next free one and says which variable fixes it."""

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from config.demo_accounts import DEMO_ACCOUNTS

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def web_command(host: str, port: int) -> list[str]:
    """HTTP: every page, the API, uploads and the WeChat callback (config/gunicorn.py)."""
    return [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "-b", f"{host}:{port}", "config.wsgi"]


def socket_command(host: str, port: int) -> list[str]:
    """WebSockets (/ws/) only (config/asgi.py); one process, so the in-memory channel layer is shared."""
    return [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", host, "--port", str(port),
            "--lifespan", "off", "--no-access-log", "--log-level", "warning"]


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is not busy
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def next_free_port(host: str, port: int, taken: set[int]) -> int:
    candidate = port
    while candidate in taken or not port_free(host, candidate):
        candidate += 1
        if candidate > 65535:
            raise OSError(f"no free port above {port}")
    return candidate


def listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


class Command(BaseCommand):
    help = "同时启动网站、WebSocket、任务进程与模拟微信接口 Run web, sockets, worker and the fake WeChat API together"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000),
                            help="the web server's port (PORT; default 8000)")
        parser.add_argument("--ws-port", type=int, default=int(os.environ.get("WS_PORT") or 0),
                            help="the socket server's port (WS_PORT; default: the next free one after --port)")

    def handle(self, *args, host, port, ws_port, **options):
        # Installed first: a Ctrl-C or SIGTERM while starting must stop what has started, quietly.
        # SIGINT too: a process started in the background by a script (or by a test runner) inherits
        # SIGINT ignored, and Python keeps it so — then Ctrl-C to the group would never stop us.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        procs: dict[str, subprocess.Popen] = {}
        try:
            env, commands, ports = self.plan(host, port, ws_port)
            for name, cmd in commands.items():
                # Each child leads its own session: the terminal's Ctrl-C reaches only us, and we stop
                # each child's whole process group (gunicorn's workers, qcluster's processes) in order.
                procs[name] = subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env, start_new_session=True)
            web = urlsplit(env["SITE_URL"])
            if not self.wait_ready(procs, ports):
                return
            url = env["SITE_URL"]
            self.stdout.write(self.style.SUCCESS(f"\n书香 Shuxiang 已启动 is running: {url}/\n"))
            self.stdout.write("演示账号 Demo logins (password for all: see below):")
            for who, login, password, where in DEMO_ACCOUNTS:
                self.stdout.write(f"  {who:<34} {login:<18} {password:<16} {url}{where}")
            self.stdout.write(f"按 Ctrl-C 停止 Press Ctrl-C to stop. (web :{web.port}, sockets {env['WS_ORIGIN']})\n")
            self.stdout.flush()  # shown at once even when the output is a file or a pipe
            while all(p.poll() is None for p in procs.values()):
                time.sleep(0.5)
            self.report_dead(procs)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            stop_all(procs)
            self.stdout.write("已停止 Stopped.")

    def plan(self, host: str, port: int, ws_port: int) -> tuple[dict, dict[str, list[str]], list[tuple[str, int]]]:
        taken: set[int] = set()
        web_port = self.pick(host, port, taken, "PORT", f"make run PORT={port + 10}")
        ws_port = self.pick(host, ws_port or web_port + 1, taken, "WS_PORT", f"WS_PORT={web_port + 11}")
        env = {**os.environ}
        env.setdefault("SITE_URL", f"http://{host}:{web_port}")
        if web_port != port and "SITE_URL" in os.environ and f":{port}" in os.environ["SITE_URL"]:
            env["SITE_URL"] = os.environ["SITE_URL"].replace(f":{port}", f":{web_port}")
        env.setdefault("WS_ORIGIN", f"ws://{host}:{ws_port}")
        commands = {
            "web": web_command(host, web_port),
            "sockets": socket_command(host, ws_port),
            "worker": [sys.executable, "manage.py", "qcluster"],
        }
        ports = [(host, web_port), (host, ws_port)]
        if (settings.BASE_DIR / "wechat" / "management" / "commands" / "fakewechat.py").exists():
            api = urlsplit(settings.WECHAT_API_BASE)
            if api.hostname in LOOPBACK:
                api_port = self.pick(api.hostname, api.port or 80, taken, "WECHAT_API_BASE",
                                     f"WECHAT_API_BASE=http://{api.hostname}:{(api.port or 80) + 10}")
                env["WECHAT_API_BASE"] = f"{api.scheme}://{api.hostname}:{api_port}"
                commands["fake-wechat"] = [sys.executable, "manage.py", "fakewechat", "--host", api.hostname,
                                           "--port", str(api_port)]
                ports.append((api.hostname, api_port))
        return env, commands, ports

    def pick(self, host: str, wanted: int, taken: set[int], variable: str, example: str) -> int:
        port = next_free_port(host, wanted, taken)
        taken.add(port)
        if port != wanted:
            self.stderr.write(self.style.WARNING(
                f"端口 {wanted} 已被占用，改用 {port}；要指定端口请设置 {variable}（例如 {example}）。\n"
                f"Port {wanted} is in use; using {port} instead. Set {variable} to choose (e.g. {example})."))
        return port

    def wait_ready(self, procs: dict[str, subprocess.Popen], addresses: list[tuple[str, int]]) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in procs.values()):
                self.report_dead(procs)
                return False
            if all(listening(host, port) for host, port in addresses):
                return True
            time.sleep(0.2)
        self.stderr.write("启动超时 Servers did not start within 60 s; stopping.")
        return False

    def report_dead(self, procs: dict[str, subprocess.Popen]) -> None:
        dead = [name for name, p in procs.items() if p.poll() is not None]
        self.stderr.write(f"进程退出 Process exited: {', '.join(dead)}; 正在停止其余进程 stopping the others.")


def stop_all(procs: dict[str, subprocess.Popen]) -> None:
    for p in procs.values():
        if p.poll() is None:
            p.terminate()  # the leader stops its own workers (gunicorn's master, qcluster's sentinel)
    deadline = time.monotonic() + 15  # one grace period for all of them, not 15 s each in turn
    for p in procs.values():
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _killpg(p.pid, signal.SIGKILL)
            p.wait()
        _killpg(p.pid, signal.SIGKILL)  # anything its leader left behind in its group (workers)


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _interrupt(signum, frame):
    raise KeyboardInterrupt
