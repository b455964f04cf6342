"""Every corpus payload has a verdict, the drain applies each message once and survives a bad one,
the simulator and the fake API commands work, and the admin is scoped by library."""

import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings
from django.core.management import call_command

from tests.wechat.conftest import OPENID
from tests.wechat.test_callback import post
from wechat.models import Follower, InboundMessage, Push

pytestmark = pytest.mark.django_db

VERDICTS = {  # corpus/README.md: wechat/
    "text_keyword.xml": 200, "voice_amr.xml": 200, "subscribe_qrscene.xml": 200, "click_menu.xml": 200,
    "unsubscribe.xml": 200, "masssendjobfinish.xml": 200, "publishjobfinish.xml": 200,
    "bad_malformed.xml": 400, "bad_xxe.xml": 400, "bad_billion_laughs.xml": 400,
}


def test_every_corpus_payload_has_its_verdict(client, corpus, campaign, follower, tasks, fake_wechat):
    files = sorted(p.name for p in (corpus / "wechat").iterdir())
    assert set(files) == set(VERDICTS), "a corpus payload without a verdict in this test"
    for name in files:
        response = post(client, (corpus / "wechat" / name).read_text(), tasks=tasks)
        assert response.status_code == VERDICTS[name], name
    recorded = InboundMessage.objects.count()
    assert recorded == sum(1 for code in VERDICTS.values() if code == 200)
    assert InboundMessage.objects.filter(processed_at__isnull=True).count() == 0
    assert InboundMessage.objects.exclude(error="").count() == 0


def test_drain_records_a_failing_message_and_goes_on(client, campaign, tasks, monkeypatch):
    from wechat import handlers
    from wechat.simulator import message_xml

    original = handlers.apply

    def flaky(fields):
        if fields.get("Content") == "坏":
            raise RuntimeError("boom")
        return original(fields)

    monkeypatch.setattr(handlers, "apply", flaky)
    post(client, message_xml("text", "oOne0000000000000000000000001", text="坏"), tasks=tasks)
    post(client, message_xml("text", "oTwo0000000000000000000000002", text="答题"), tasks=tasks)
    bad = InboundMessage.objects.get(content="坏")
    assert "boom" in bad.error and bad.processed_at
    assert Follower.objects.filter(openid="oTwo0000000000000000000000002").exists()
    assert not Follower.objects.filter(openid="oOne0000000000000000000000001").exists()


@pytest.mark.slow  # a server in a thread or a process
@pytest.mark.django_db(transaction=True)
def test_simulate_command_against_a_live_server(live_server, campaign, capsys):
    call_command("wechat_simulate", "text", "答题", url=live_server.url + "/wechat/callback/", openid=OPENID)
    out = capsys.readouterr().out
    assert "HTTP 200" in out and "答题入口" in out
    call_command("wechat_simulate", "subscribe", "lib-P-HN", url=live_server.url + "/wechat/callback/", safe=True)
    out = capsys.readouterr().out
    assert "感谢关注（湖南图书馆）" in out  # safe mode: the encrypted reply was decrypted


@pytest.mark.slow  # a server in a thread or a process
def test_fakewechat_command_serves_the_api():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "WECHAT_APP_ID": settings.WECHAT_APP_ID, "WECHAT_APP_SECRET": settings.WECHAT_APP_SECRET}
    proc = subprocess.Popen([sys.executable, "manage.py", "fakewechat", "--port", str(port), "--callback", ""],
                            cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try:
                response = requests.post(f"http://127.0.0.1:{port}/cgi-bin/stable_token", timeout=2, json={
                    "grant_type": "client_credential", "appid": settings.WECHAT_APP_ID,
                    "secret": settings.WECHAT_APP_SECRET})
                break
            except requests.ConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        assert response.json()["expires_in"] > 7000 and len(response.json()["access_token"]) > 100
    finally:
        proc.terminate()
        proc.wait(10)


def test_admin_scoped_by_library(client, libraries, organizer):
    Follower.objects.create(openid="oHunan", subscribed=True, library=libraries["C-HN-CS"])
    Follower.objects.create(openid="oHebei", subscribed=True, library=libraries["P-HE"])
    Push.objects.create(library=libraries["P-HN"], title="湖南推送")
    Push.objects.create(library=libraries["P-HE"], title="河北推送")
    client.force_login(organizer(libraries["P-HN"]))
    page = client.get("/admin/wechat/follower/").content.decode()
    assert "oHunan" in page and "oHebei" not in page
    page = client.get("/admin/wechat/push/").content.decode()
    assert "湖南推送" in page and "河北推送" not in page
    hebei = Push.objects.get(title="河北推送")
    assert client.get(f"/admin/wechat/push/{hebei.id}/change/").status_code in (302, 403, 404)


def test_admin_shows_what_to_do_for_a_quota_error(client, libraries, organizer):
    push = Push.objects.create(library=libraries["P-HN"], title="失败的推送", status="failed", error_code=45009,
                               error_message="x")
    client.force_login(organizer(libraries["P-HN"]))
    page = client.get(f"/admin/wechat/push/{push.id}/change/").content.decode()
    assert "45009" in page and "清零" in page and "Daily API quota" in page


def test_organizer_composes_and_previews_a_push_in_the_admin(client, libraries, organizer, tasks, fake_wechat):
    Follower.objects.create(openid="oTester", subscribed=True, is_tester=True, library=libraries["P-HN"])
    client.force_login(organizer(libraries["P-HN"]))
    assert client.get("/admin/wechat/push/add/").status_code == 200
    data = {
        "library": libraries["C-HN-CS"].id, "title": "周末诵读会", "audience_tag": "", "delivery": "auto",
        "scheduled_at_0": "", "scheduled_at_1": "",
        "articles-TOTAL_FORMS": "1", "articles-INITIAL_FORMS": "0", "articles-MIN_NUM_FORMS": "0",
        "articles-MAX_NUM_FORMS": "8", "articles-0-position": "0", "articles-0-title": "周末来图书馆读诗",
        "articles-0-author": "长沙图书馆", "articles-0-digest": "", "articles-0-link": "/c/x/",
        "articles-0-content": '<p>欢迎<script>alert(1)</script></p><img src="x" onerror="alert(1)">',
    }
    response = client.post("/admin/wechat/push/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    push = Push.objects.get(title="周末诵读会")
    article = push.articles.get()
    assert "<script" not in article.content and "onerror" not in article.content and push.status == "draft"
    with tasks.capture(execute=True):
        client.post("/admin/wechat/push/", {"action": "send_preview", "_selected_action": [push.id]})
    tasks.run()
    assert [r["body"]["touser"] for r in fake_wechat.requests("/cgi-bin/message/mass/preview")] == ["oTester"]
    push.refresh_from_db()
    assert push.preview_sent_at and push.draft_media_id and push.status == "draft"


def test_menu_command_creates_the_menu(campaign, fake_wechat, capsys):
    campaign.config["wechat"]["menu"] = {"QUIZ": "quiz", "MY_ENTRIES": "my_entries"}
    campaign.save()
    call_command("wechat_menu", campaign.slug)
    assert "Menu created" in capsys.readouterr().out
    buttons = fake_wechat.requests("/cgi-bin/menu/create")[0]["body"]["button"]
    assert [b["name"] for b in buttons] == ["答题", "我的作品", "活动主页"]
    assert buttons[0] == {"type": "click", "name": "答题", "key": "QUIZ"}
    assert buttons[2]["sub_button"][1] == {"type": "view", "name": "长辈模式", "url": "http://testserver/prefs/elder/"}
    fake_wechat.fail("/cgi-bin/menu/create", 48001)
    with pytest.raises(Exception, match="48001"):
        call_command("wechat_menu", campaign.slug)
