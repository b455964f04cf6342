"""Inside WeChat, end to end: a phone with WeChat's user agent logs in through OAuth against the fake
WeChat API, the family sends a voice message (signed delivery to the real ASGI server), opens the
confirmation link, picks the poem, and the task worker turns it into a ready entry."""

import json
import re
import time

import pytest

from tests.e2e.conftest import wait_js
from wechat.fake_api.server import FakeWeChat
from wechat.simulator import deliver, message_xml, sign_delivery

pytestmark = pytest.mark.e2e

APP_ID, SECRET, TOKEN = "wx00000000e2etest", "e2e-secret", "e2etoken"
OPENID = "oDemoGuardian0000000000000001"  # who the fake OAuth page logs in
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN")

SEED = r"""
import json
from datetime import timedelta
from django.utils import timezone
from campaigns.models import Campaign, Library, Stage
from events.models import Event, Poem
nlc = Library.objects.create(code="NLC", name="国家图书馆", level="national", path="/NLC/")
now = timezone.now()
campaign = Campaign.objects.create(slug="tongyin", title="童音诵古韵", lead_library=nlc)
Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=3))
event = Event.objects.create(campaign=campaign, slug="recite", kind="recitation", title="古诗诵读",
    settings={"entries": {"media": ["audio"], "channels": ["web", "wechat_voice"]}})
for key, title in [("jingyesi", "静夜思"), ("chunxiao", "春晓")]:
    event.poems.add(Poem.objects.create(key=key, title=title, author="李白", lines=["床前明月光"]))
print(json.dumps({"event": event.id}))
"""

CHILD = r"""
from campaigns.models import Child, ConsentRecord, Library
from wechat.models import Follower
follower = Follower.objects.get(openid="OPENID")
child = Child.objects.create(guardian=follower.user, display_name="王小明", nickname="小明", birth_year=2017,
                             library=Library.objects.get(code="NLC"))
ConsentRecord.objects.create(child=child, purpose="judging", granted=True, text_version="t", recorded_by=follower.user)
print("child", follower.user_id)
""".replace("OPENID", OPENID)


def test_wechat_login_voice_message_to_entry(server, browser):
    with FakeWeChat(app_id=APP_ID, secret=SECRET) as fake:
        server.env.update({"WECHAT_API_BASE": fake.url, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": SECRET,
                           "WECHAT_TOKEN": TOKEN, "WECHAT_ACCOUNT_TYPE": "service"})
        server.start(worker=True)
        json.loads(server.shell(SEED).strip().splitlines()[-1])
        context = browser.new_context(viewport={"width": 375, "height": 740}, user_agent=WECHAT_UA, locale="zh-CN")
        page = context.new_page()
        try:
            # 1. A page that needs a login, opened inside WeChat → OAuth through the fake → first-visit choice.
            page.goto(server.url + "/family/")
            page.wait_for_url(re.compile(r"/wechat/link/"))
            assert fake.calls("/sns/oauth2/access_token") == 1
            page.get_by_role("button", name=re.compile("新建家长账号")).click()
            page.wait_for_load_state()
            assert page.url.endswith("/family/"), (page.url, page.content()[:3000])
            assert "child" in server.shell(CHILD)

            # 2. The family sends a voice message; WeChat delivers it signed to the callback.
            signed = sign_delivery(message_xml("voice", OPENID, media_id="demoVoiceE2E"), token=TOKEN)
            responses = deliver(server.url + "/wechat/callback/", signed)
            assert len(responses) == 1 and responses[0].status_code == 200
            link = re.search(r'href="([^"]+)"', responses[0].text).group(1)
            assert "/wechat/voice/msg/" in link

            # 3. The link from the reply: pick the poem (one child: already chosen) and submit.
            deadline = time.time() + 30
            page.goto(link)
            while "/wechat/voice/msg/" in page.url and time.time() < deadline:
                page.wait_for_timeout(1000)  # the drain task records the voice a moment later
                page.goto(link)
            # The page plays the voice message, so the parent recognises the poem before choosing it.
            deadline = time.time() + 30
            while page.locator("#voice-audio").count() == 0 and time.time() < deadline:
                page.wait_for_timeout(1000)  # the worker downloads the voice from WeChat
                page.reload()
            voice = page.locator("#voice-audio")
            assert voice.is_visible()
            voice.click()
            voice.evaluate("a => a.play()")
            wait_js(page, "document.getElementById('voice-audio').currentTime > 0.3", timeout=30000)
            assert page.evaluate("document.getElementById('voice-audio').duration") > 1
            page.get_by_label(re.compile("朗读的诗词")).select_option(label="静夜思（李白）")
            page.get_by_role("button", name=re.compile("提交作品")).click()
            deadline = time.time() + 60
            while time.time() < deadline:
                status = page.locator("#voice-status").inner_text()
                if "已提交" in status:
                    break
                page.wait_for_timeout(1000)
                page.reload()
            assert "已提交" in page.locator("#voice-status").inner_text()
            assert fake.calls("/cgi-bin/media/get") >= 1
            out = server.shell(
                "from submissions.models import Entry\n"
                "import time\n"
                "for _ in range(60):\n"
                "    e = Entry.objects.get()\n"
                "    if e.status in ('ready', 'rejected'): break\n"
                "    time.sleep(1)\n"
                "print('ENTRY', e.status, e.channel, e.poem.title)\n")
            assert "ENTRY ready wechat_voice 静夜思" in out
        finally:
            context.close()
