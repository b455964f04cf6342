"""Browser tests: the servers of `make run` (gunicorn, and uvicorn for /ws/) on a temporary SQLite file,
driven by Playwright in Debian's headless Chromium. The server runs in a subprocess so WebSockets and the task worker
behave as in production; seed it with `server.manage(...)`."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.e2e

MISSING = "" if Path(CHROMIUM).exists() and shutil.which(CHROMIUM) else (
    f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` (or set CHROMIUM_PATH) "
    "to run the browser tests")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Without Chromium, locally: every browser test is skipped (tests/conftest.py sums them up in one
    line). In CI (.ci/run sets CI=true) they run, and the browser fixture fails them."""
    if not MISSING or IN_CI:
        return
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=MISSING))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        self.ws_port = _free_port()
        while self.ws_port == self.port:
            self.ws_port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SQLITE_PATH": str(root / "db.sqlite3"),
            "MEDIA_ROOT": str(root / "media"),
            "SITE_URL": self.url,
            "WS_ORIGIN": f"ws://127.0.0.1:{self.ws_port}",
            "DJANGO_DEBUG": "0",
            "LOGIN_RATE_LIMIT": "50",
        }
        # The browser tests always use the embedded defaults, whatever the CI run sets.
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        self.procs: list[subprocess.Popen] = []

    def manage(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR, env=self.env, capture_output=True, text=True, check=check, input=input,
        )

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code).stdout

    def start(self, worker: bool = False, clock: str | None = None) -> None:
        """The topology of `make run`: gunicorn for HTTP, uvicorn for /ws/ (config/management/commands/runall.py).
        `clock` (ISO 8601) runs the web server as if it were then (tests/e2e/frozen_gunicorn.py)."""
        from config.management.commands.runall import socket_command, web_command

        self.manage("migrate", "--no-input", "-v0")
        self.manage("createcachetable")
        log = open(self.root / "server.log", "a")
        web = web_command("127.0.0.1", self.port)
        if clock:
            web = [sys.executable, "-m", "tests.e2e.frozen_gunicorn", *web[3:]]
        self.procs.append(subprocess.Popen(web, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
                                           env={**self.env, **({"E2E_NOW": clock} if clock else {})}))
        self.procs.append(subprocess.Popen(socket_command("127.0.0.1", self.ws_port), cwd=settings.BASE_DIR,
                                           env=self.env, stdout=log, stderr=subprocess.STDOUT))
        if worker:
            self.start_worker()
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                for port in (self.port, self.ws_port):
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start: " + (self.root / "server.log").read_text())

    def start_worker(self) -> subprocess.Popen:
        log = open(self.root / "worker.log", "a")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, env=self.env,
            stdout=log, stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs = []


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    if MISSING:
        pytest.fail(MISSING + "; CI must run them")  # CI never goes green without the browser tests
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def phone_page(browser):
    """A 375 px wide page, as in the WeChat in-app browser."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def wait_js(page, expression: str, timeout: float = 30000) -> None:
    """Wait until `expression` is truthy in the page. Playwright's wait_for_function evaluates its string
    with eval(), which the site's Content-Security-Policy (config/csp.py) rightly forbids; evaluate()
    runs through the DevTools protocol, outside the page's policy."""
    import time

    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error as exc:  # the page is navigating: ask the next one
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        page.wait_for_timeout(100)
