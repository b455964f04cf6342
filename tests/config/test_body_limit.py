"""Bodies that cannot exhaust memory (config/body_limit.py): an oversized body is refused from its
Content-Length before it is read (anonymous: small; signed in: larger; uploads: the event's own limit),
a body without a length is refused while it streams, and a real server's memory stays flat under three
concurrent 200 MB anonymous bodies."""

import io
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

MB = 1024 * 1024


class Untouchable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, size=-1):
        raise AssertionError("the body was read")

    readline = read


def post(client, path, length, stream=None, **extra):
    return client.generic("POST", path, b"", CONTENT_TYPE="application/x-www-form-urlencoded",
                          CONTENT_LENGTH=str(length), **{"wsgi.input": stream or Untouchable()}, **extra)


@pytest.mark.django_db
def test_an_anonymous_body_over_the_small_limit_is_refused_unread(client):
    response = post(client, "/accounts/login/", 200 * MB)
    assert response.status_code == 413 and response["Connection"] == "close"
    body = response.json()
    assert body["code"] == "body_too_large" and body["limit_bytes"] == settings.REQUEST_BODY_MAX_ANONYMOUS
    assert "太大" in body["message_zh"] and "too large" in body["message_en"]
    assert post(client, "/wechat/callback/", settings.REQUEST_BODY_MAX_ANONYMOUS + 1).status_code == 413
    # Under the limit the request goes on as usual (the login form answers).
    ok = client.post("/accounts/login/", {"username": "13900000001", "password": "x"})
    assert ok.status_code == 200


@pytest.mark.django_db
def test_signed_in_and_staff_limits(client, make_user):
    client.force_login(make_user("13900000011", phone="13900000011"))
    assert post(client, "/api/v1/judging/assignments/1/play", settings.REQUEST_BODY_MAX + 1).status_code == 413
    # An entry upload may be as large as the largest event allows (video: 200 MB by default).
    response = post(client, "/api/v1/submissions/entries", 300 * MB)
    assert response.status_code == 413 and response.json()["limit_bytes"] >= 200 * MB
    client.force_login(make_user("org-body", is_staff=True))
    passed = post(client, "/api/v1/judging/assignments/1/play", settings.REQUEST_BODY_MAX + 1, stream=io.BytesIO(b"{}"))
    assert passed.status_code != 413
    assert post(client, "/api/v1/judging/assignments/1/play", settings.REQUEST_BODY_MAX_STAFF + 1).status_code == 413


@pytest.mark.django_db
def test_the_submit_page_takes_the_events_own_limit(client, make_user, libraries):
    from campaigns.models import Campaign
    from events.models import Event

    campaign = Campaign.objects.create(slug="body-limit", title="t", lead_library=libraries["NLC"])
    event = Event.objects.create(campaign=campaign, slug="essay", kind="essay", title="征文",
                                 settings={"entries": {"media": ["essay"], "limits": {"max_bytes": 2 * MB}}})
    client.force_login(make_user("13900000012", phone="13900000012"))
    url = f"/entries/event/{event.pk}/submit/"
    response = post(client, url, 4 * MB)
    assert response.status_code == 413 and response.json()["limit_bytes"] == 3 * MB
    assert post(client, url, 2 * MB, stream=io.BytesIO(b"a=1")).status_code != 413


@pytest.mark.django_db
def test_a_body_without_length_is_refused_while_it_streams(client):
    stream = io.BytesIO(b"username=" + b"x" * (settings.REQUEST_BODY_MAX_ANONYMOUS * 4))
    response = client.generic("POST", "/accounts/login/", b"", CONTENT_TYPE="application/x-www-form-urlencoded",
                              HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": stream, "CONTENT_LENGTH": ""})
    assert response.status_code == 413
    assert stream.tell() <= settings.REQUEST_BODY_MAX_ANONYMOUS + 1  # stopped at the limit, the rest unread


# --- a real server ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (gunicorn: the arbiter and its workers)."""
    total = 0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def _send_big_body(port: int, size: int) -> tuple[str, int]:
    """POST `size` bytes to the login page as fast as the server takes them; the status line and the
    bytes the server accepted before answering."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall((f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                      f"application/x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\n").encode())
        chunk = b"a" * MB
        sock.settimeout(0.5)
        status = ""
        while sent < size:
            try:
                sock.sendall(chunk)
                sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            try:
                peek = sock.recv(4096, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                if peek:
                    break
            except (TimeoutError, BlockingIOError):
                pass
        sock.settimeout(30)
        try:
            status = sock.recv(4096).decode("latin-1").split("\r\n", 1)[0]
        except (TimeoutError, ConnectionResetError):
            status = ""
    return status, sent


@pytest.mark.slow
def test_a_real_server_stays_flat_under_three_concurrent_200mb_bodies(tmp_path):
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0", "SHUXIANG_DEV": "1",
           "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "MEDIA_ROOT": str(tmp_path / "media"), "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "gthread", "--threads", "4", "django.core.wsgi:get_wsgi_application()"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        import urllib.request

        urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=30).read()  # warm
        before = _rss_kb(server.pid)
        peak = before
        with ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(_send_big_body, port, 200 * MB) for _ in range(3)]
            while not all(f.done() for f in futures):
                peak = max(peak, _rss_kb(server.pid))
                time.sleep(0.05)
        results = [f.result() for f in futures]
        for status, sent in results:
            assert " 413 " in status + " ", results
            assert sent < 200 * MB  # refused long before the body was through
        assert (peak - before) < 30 * 1024, f"memory grew by {(peak - before) // 1024} MB"
    finally:
        server.terminate()
        server.wait(timeout=30)
