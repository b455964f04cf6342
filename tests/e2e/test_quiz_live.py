"""Live mode in real browsers: a host screen and two phones, over the socket server (uvicorn)."""

import re

import pytest

from tests.e2e.conftest import wait_js
from tests.e2e.test_quiz import SEED

pytestmark = pytest.mark.e2e

HOST = r'''
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from campaigns.models import Library, OrganizerRole, User
from events.live import live_open
from events.models import Event
host = User.objects.create_user(username="org-cs", password="x", is_staff=True)
OrganizerRole.objects.create(user=host, library=Library.objects.get(code="C-HN-CS"))
session = live_open(event=Event.objects.get(), host=host, questions=2, seconds=30)
store = SessionStore()
store[SESSION_KEY] = str(host.pk)
store[BACKEND_SESSION_KEY] = "campaigns.auth.PhoneOrUsernameBackend"
store[HASH_SESSION_KEY] = host.get_session_auth_hash()
store.create()
print("CODE", session.code)
print("HOSTSESSION", store.session_key)
'''


def test_host_advances_and_phones_follow(server, browser, corpus):
    server.start()
    server.shell(SEED.format(xlsx=corpus / "data" / "quiz_bank.xlsx"))
    out = server.shell(HOST)
    code = re.search(r"CODE (\d+)", out).group(1)
    host_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    host_ctx.add_cookies([{"name": "sessionid", "value": re.search(r"HOSTSESSION (\w+)", out).group(1),
                           "url": server.url}])
    host = host_ctx.new_page()
    host.goto(f"{server.url}/events/live/{code}/host/")
    host.wait_for_selector("text=已连接")
    phones = []
    for nickname in ["小明", "小红"]:
        ctx = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
        phone = ctx.new_page()
        phone.goto(f"{server.url}/events/live/?code={code}")
        phone.get_by_label(re.compile("昵称")).fill(nickname)
        phone.get_by_role("button", name=re.compile("加入")).click()
        phone.wait_for_selector("text=已连接")
        phones.append(phone)
    wait_js(host, "document.getElementById('live-players').textContent === '2'")

    host.locator("#live-next").click()  # first question on every screen
    stem = host.locator("#live-stem")
    wait_js(host, "document.getElementById('live-stem').textContent.length > 0")
    for phone in phones:
        wait_js(phone, "document.getElementById('live-stem').textContent.length > 0")
        assert phone.locator("#live-stem").inner_text() == stem.inner_text()
    phones[0].locator("#live-options button").first.click()
    phones[0].wait_for_selector("text=已提交")
    wait_js(host, "document.getElementById('live-answers').textContent === '1'")

    phones[1].reload()  # a dropped phone comes back to the same question
    wait_js(phones[1], "document.getElementById('live-stem').textContent.length > 0")
    assert phones[1].locator("#live-stem").inner_text() == stem.inner_text()

    host.locator("#live-next").click()  # reveal: answer and leaderboard on the big screen
    host.wait_for_selector("#live-board li")
    assert "小明" in host.locator("#live-board").inner_text()
    wait_js(phones[0], "/答对了|答错了/.test(document.getElementById('live-me').textContent)")
    for page in [host, *phones]:
        page.context.close()
