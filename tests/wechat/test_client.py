"""The API client against the fake WeChat API: shared token, one bounded retry, error shapes, timeouts."""

import multiprocessing
import os
import threading

import pytest
import requests

from wechat import client
from wechat.client import WeChatAPIError

pytestmark = pytest.mark.django_db


def test_token_fetched_once_and_shared_through_the_cache(fake_wechat):
    first = client.access_token()
    assert client.access_token() == first
    assert fake_wechat.calls("/cgi-bin/stable_token") == 1
    assert fake_wechat.calls("/cgi-bin/token") == 0  # only the stable token endpoint is used


def test_expired_token_refreshed_once_then_retried(fake_wechat):
    client.get("/cgi-bin/user/info", openid="o1")
    fake_wechat.expire_tokens()
    info = client.get("/cgi-bin/user/info", openid="o1")
    assert info["openid"] == "o1"
    assert fake_wechat.calls("/cgi-bin/stable_token") == 2
    assert fake_wechat.calls("/cgi-bin/user/info") == 3


def test_repeated_40001_gives_up_after_one_retry(fake_wechat):
    fake_wechat.fail("/cgi-bin/user/info", 40001, times=50)
    with pytest.raises(WeChatAPIError) as error:
        client.get("/cgi-bin/user/info", openid="o1")
    assert error.value.errcode == 40001
    assert fake_wechat.calls("/cgi-bin/user/info") == 2  # no recursion, no loop
    assert fake_wechat.calls("/cgi-bin/stable_token") == 2


@pytest.mark.parametrize("errcode", [45009, 45011, 40164, 48001])
def test_quota_and_permission_errors_surface_with_code(fake_wechat, errcode):
    fake_wechat.fail("/cgi-bin/message/template/send", errcode)
    with pytest.raises(WeChatAPIError) as error:
        client.post("/cgi-bin/message/template/send", {"touser": "o", "template_id": "t", "data": {}})
    assert error.value.errcode == errcode
    from wechat.errors import explain

    explanation = explain(errcode)
    assert explanation.zh and explanation.en and str(errcode) in str(explanation)


def test_media_download_bytes_and_text_plain_error(fake_wechat):
    media = client.media_download("Q8gGX3p0a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ")
    assert media.content.startswith(b"#!AMR\n") and media.content_type == "audio/amr"
    with pytest.raises(WeChatAPIError) as error:
        client.media_download("expired-media-id")
    assert error.value.errcode == 40007
    response = requests.get(fake_wechat.url + "/cgi-bin/media/get", params={"media_id": "expired", "access_token": "x"})
    assert response.headers["Content-Type"] == "text/plain"  # WeChat's real shape, which the client must handle


def test_ip_whitelist_refusal_on_token(fake_wechat):
    fake_wechat.fail("/cgi-bin/stable_token", 40164)
    with pytest.raises(WeChatAPIError) as error:
        client.access_token()
    assert error.value.errcode == 40164


def test_every_call_has_a_timeout(settings):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts, never answers
    settings.WECHAT_API_BASE = f"http://127.0.0.1:{listener.getsockname()[1]}"
    original = client.TIMEOUT
    client.TIMEOUT = (0.5, 0.5)
    try:
        with pytest.raises(WeChatAPIError) as error:
            client.access_token()
        assert error.value.errcode == -1
    finally:
        client.TIMEOUT = original
        listener.close()


@pytest.mark.django_db(transaction=True)
def test_eight_threads_after_expiry_make_exactly_one_refresh(fake_wechat, settings):
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        # The SQLite test database lives in memory in shared-cache mode, where a second thread gets
        # "database table is locked: shuxiang_cache" at once (table locks ignore busy_timeout) —
        # unlike the WAL file of production. Threads of one process share a LocMemCache, whose
        # add() is atomic, so the lock logic is still what is tested here; the database cache across
        # processes is tested below (file database: SQLITE_TEST_PATH, or PostgreSQL).
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "wechat-token-threads"}}
    client.access_token()
    client.forget_tokens()
    fake_wechat.expire_tokens()
    before = fake_wechat.calls("/cgi-bin/stable_token")
    barrier = threading.Barrier(8)
    tokens = []

    def worker():
        barrier.wait()
        tokens.append(client.access_token())
        from django.db import connection

        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake_wechat.calls("/cgi-bin/stable_token") - before == 1
    assert len(set(tokens)) == 1


def _process_worker(api_base, db_name, start, queue):
    os.environ["WECHAT_API_BASE"] = api_base
    import django
    from django.conf import settings

    if not settings.configured:  # pragma: no cover - fork start method inherits settings
        django.setup()
    settings.WECHAT_API_BASE = api_base
    from django.db import connections

    connections["default"].settings_dict["NAME"] = db_name
    connections["default"].close()
    start.wait()
    from wechat import client as worker_client

    worker_client._session = None
    queue.put(worker_client.access_token())


@pytest.mark.django_db(transaction=True)
def test_eight_processes_after_expiry_make_exactly_one_refresh(fake_wechat, settings):
    from django.db import connection

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:"):
        pytest.skip("in-memory SQLite is not shared between processes")
    connection.close()
    ctx = multiprocessing.get_context("fork")
    start, queue = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(fake_wechat.url, connection.settings_dict["NAME"], start, queue))
             for _ in range(8)]
    for p in procs:
        p.start()
    start.set()
    tokens = [queue.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(10)
    assert fake_wechat.calls("/cgi-bin/stable_token") == 1
    assert len(set(tokens)) == 1
