"""Run the ASGI server (daphne) and the django-q2 worker together; Ctrl-C or SIGTERM stops both."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from config.demo_accounts import DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "同时启动网站与任务进程 Run the web server and the task worker together"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        env = {**os.environ, "SITE_URL": os.environ.get("SITE_URL", f"http://{host}:{port}")}
        commands = {
            "web": [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "config.asgi:application"],
            "worker": [sys.executable, "manage.py", "qcluster"],
        }
        commands.update(extra_processes(env))
        procs = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env, start_new_session=True)
            for name, cmd in commands.items()
        }
        # The children run in their own sessions, so a `kill <runall pid>` (SIGTERM) or a closed terminal
        # (SIGHUP) must stop them like Ctrl-C does, or they outlive us holding the ports.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        url = env["SITE_URL"]
        self.stdout.write(self.style.SUCCESS(f"\n书香 Shuxiang 已启动 is running: {url}/\n"))
        self.stdout.write("演示账号 Demo logins (password for all: see below):")
        for who, login, password, where in DEMO_ACCOUNTS:
            self.stdout.write(f"  {who:<34} {login:<18} {password:<16} {url}{where}")
        self.stdout.write("按 Ctrl-C 停止 Press Ctrl-C to stop.\n")
        try:
            while all(p.poll() is None for p in procs.values()):
                time.sleep(0.5)
            dead = [name for name, p in procs.items() if p.poll() is not None]
            self.stderr.write(f"进程退出 Process exited: {', '.join(dead)}; stopping the others.")
        except KeyboardInterrupt:
            pass
        finally:
            for p in procs.values():
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGTERM)
            for p in procs.values():
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def extra_processes(env: dict) -> dict[str, list[str]]:
    """Other local services the demo needs (the fake WeChat API), started beside web and worker."""
    extra = {}
    if (settings.BASE_DIR / "wechat" / "management" / "commands" / "fakewechat.py").exists():
        extra["fake-wechat"] = [sys.executable, "manage.py", "fakewechat"]
    return extra
