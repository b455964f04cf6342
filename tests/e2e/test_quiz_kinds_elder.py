"""Browser: practice, then 开始答题 starts a *scored* paper (never the practice one); and in elder
mode (长辈模式) a timed question gives the declared extra time, with elder-sized controls."""

import re
import time

import pytest

pytestmark = pytest.mark.e2e

SEED = r'''
from datetime import timedelta
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from campaigns.models import Campaign, Child, Library, Stage, User
from events.bank_import import questions_import
from events.models import Event, QuestionBank
from tests.events.conftest import make_bank_csv

nlc = Library.objects.create(code="NLC", name="国家图书馆", level="national", path="/NLC/")
campaign = Campaign.objects.create(slug="spring", title="网络书香过大年", lead_library=nlc)
Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=timezone.now() - timedelta(days=1))
bank = QuestionBank.objects.create(slug="poems", title="诗词题库", owner=nlc)
questions_import(bank=bank, data=make_bank_csv(), filename="bank.csv")
event = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="古诗词答题", settings={"quiz": {
    "bank": "poems", "questions": 3, "time_limit": {"per_question_seconds": 8}, "practice": True,
    "explanations": "at_end", "attempts": {"per_day": 5}, "elder": {"extra_time_percent": 150}}})
guardian = User.objects.create_user(username="13800000001", phone="13800000001", password="shuxiang2027")
Child.objects.create(guardian=guardian, display_name="王小明", nickname="小明", birth_year=2017, library=nlc)
session = SessionStore()
session[SESSION_KEY] = str(guardian.pk)
session[BACKEND_SESSION_KEY] = "campaigns.auth.PhoneOrUsernameBackend"
session[HASH_SESSION_KEY] = guardian.get_session_auth_hash()
session.create()
print("EVENT", event.pk)
print("SESSION", session.session_key)
'''


def _seed(server, page):
    server.start()
    out = server.shell(SEED)
    event_id = re.search(r"EVENT (\d+)", out).group(1)
    page.context.add_cookies([{"name": "sessionid", "value": re.search(r"SESSION (\w+)", out).group(1),
                               "url": server.url}])
    return event_id


def _kinds(server) -> str:
    return server.shell("from events.models import QuizAttempt\n"
                        "print('KINDS', sorted((a.practice, a.status, a.elder) for a in QuizAttempt.objects.all()))")


def test_practice_then_start_gives_a_scored_paper(server, phone_page):
    page = phone_page
    event_id = _seed(server, page)
    page.goto(f"{server.url}/events/quiz/{event_id}/")
    page.get_by_role("button", name=re.compile("练习")).click()
    page.wait_for_selector("form#quiz-form")
    assert "练习模式（不计分" in page.locator("#attempt-kind").inner_text()
    page.locator("input[name=choice]").first.check()
    page.get_by_role("button", name=re.compile("提交答案")).click()
    page.wait_for_selector("form#quiz-form")  # question 2 of the practice paper

    page.goto(f"{server.url}/events/quiz/{event_id}/")
    assert "有未完成的练习" in page.content()
    page.get_by_role("button", name=re.compile("开始答题")).click()
    page.wait_for_selector("form#quiz-form")
    assert "正式答题（计分" in page.locator("#attempt-kind").inner_text()
    assert page.locator(".quiz-meta").inner_text().startswith("第 1 / 3 题")  # a new paper, not question 2
    assert "KINDS [(False, 'open', False), (True, 'open', False)]" in _kinds(server)


def test_elder_mode_quiz_gives_the_declared_extra_time(server, phone_page):
    page = phone_page
    event_id = _seed(server, page)
    page.goto(f"{server.url}/events/quiz/{event_id}/")
    page.get_by_role("button", name="长辈模式").click()  # the switch on every page
    page.wait_for_load_state()
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    start = page.get_by_role("button", name=re.compile("开始答题"))
    size = start.evaluate("b => [parseFloat(getComputedStyle(b).fontSize), b.getBoundingClientRect().height]")
    assert size[0] >= 30 and size[1] >= 60
    start.click()
    page.wait_for_selector("form#quiz-form")
    # 8 s + 150 % = 20 s, said on the page and run by the server's clock.
    assert "长辈模式：每题时间延长 150%，本题共 20 秒" in page.locator("#elder-note").inner_text()
    assert 17 <= float(page.locator("#timer").get_attribute("data-seconds")) <= 20
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body >= 18
    option = page.locator("label.quiz-option").first
    assert option.evaluate("l => l.getBoundingClientRect().height") >= 60
    time.sleep(10)  # longer than the normal 8 s limit (+ grace)
    option.click()
    page.get_by_role("button", name=re.compile("提交答案")).click()
    page.wait_for_selector("form#quiz-form")
    assert "第 2 / 3 题" in page.locator(".quiz-meta").inner_text()
    assert "时间已过" not in page.content()
    out = server.shell("from events.models import QuizAnswer\nprint('ANSWERS', [a.time_ms // 1000 for a in QuizAnswer.objects.all()])")
    assert re.search(r"ANSWERS \[(1[0-9])\]", out), out
    assert "(False, 'open', True)" in _kinds(server)
