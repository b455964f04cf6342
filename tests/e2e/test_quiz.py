"""A child takes a quiz on a phone-sized screen and sees their rank and their library's rank."""

import re

import pytest

pytestmark = pytest.mark.e2e

SEED = r'''
from datetime import timedelta
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from campaigns.models import Campaign, Child, Library, Stage, User
from events.bank_import import questions_import
from events.models import Event, QuestionBank, QuizAttempt, QuizResult

def lib(code, name, level, parent):
    return Library.objects.create(code=code, name=name, level=level, parent=parent,
                                  path=(parent.path if parent else "/") + code + "/")
nlc = lib("NLC", "国家图书馆", "national", None)
hn = lib("P-HN", "湖南图书馆", "provincial", nlc)
cs = lib("C-HN-CS", "长沙图书馆", "city", hn)
he = lib("P-HE", "河北省图书馆", "provincial", nlc)
campaign = Campaign.objects.create(slug="spring", title="网络书香过大年", lead_library=nlc)
Stage.objects.create(campaign=campaign, kind="published", starts_at=timezone.now() - timedelta(days=1))
bank = QuestionBank.objects.create(slug="poems", title="诗词题库", owner=nlc)
print("IMPORTED", questions_import(bank=bank, data=open(r"{xlsx}", "rb").read(), filename="quiz_bank.xlsx").total)
event = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="古诗词答题", settings={{"quiz": {{
    "bank": "poems", "questions": 4, "time_limit": {{"per_question_seconds": 60}}, "explanations": "after_each",
    "scoring": {{"formula": "time_bonus"}}, "attempts": {{"per_day": 1}}}}}})
guardian = User.objects.create_user(username="13800000001", phone="13800000001", password="shuxiang2027")
child = Child.objects.create(guardian=guardian, display_name="王小明", nickname="小明", birth_year=2017, library=cs)
other = User.objects.create_user(username="other", password="x")
now = timezone.now()
for i, (nick, library, score) in enumerate([("书虫", he, 3000), ("小荷", cs, 100), ("读书郎", hn, 50)]):
    kid = Child.objects.create(guardian=other, display_name=nick, nickname=nick, birth_year=2016, library=library)
    attempt = QuizAttempt.objects.create(event=event, child=kid, library=library, token=f"seed{{i}}", status="finished",
        local_date=now.date(), started_at=now, deadline=now, finished_at=now, question_count=4, answered_count=4,
        score=score, total_time_ms=40000)
    QuizResult.objects.create(event=event, child=kid, library=library, best_attempt=attempt, score=score,
                              total_time_ms=40000, finished_at=now, completed=True)
session = SessionStore()
session[SESSION_KEY] = str(guardian.pk)
session[BACKEND_SESSION_KEY] = "campaigns.auth.PhoneOrUsernameBackend"
session[HASH_SESSION_KEY] = guardian.get_session_auth_hash()
session.create()
print("EVENT", event.pk)
print("SESSION", session.session_key)
'''


def test_child_takes_quiz_on_phone_and_sees_ranks(server, phone_page, corpus):
    server.start()
    out = server.shell(SEED.format(xlsx=corpus / "data" / "quiz_bank.xlsx"))
    assert "IMPORTED 80" in out
    event_id = re.search(r"EVENT (\d+)", out).group(1)
    session_key = re.search(r"SESSION (\w+)", out).group(1)
    page = phone_page
    page.context.add_cookies([{"name": "sessionid", "value": session_key, "url": server.url}])

    page.goto(f"{server.url}/events/quiz/{event_id}/")
    page.get_by_label(re.compile("小明")).check()
    page.get_by_role("button", name=re.compile("开始答题")).click()

    for position in range(1, 5):
        page.wait_for_selector("form#quiz-form")
        assert page.locator(".quiz-meta").inner_text().startswith(f"第 {position} / 4 题")
        # The whole question fits the 375 px screen: no horizontal scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        # Keyboard only: tab to the first option, select it, submit with Enter.
        first = page.locator("input[name=choice]").first
        first.focus()
        page.keyboard.press("Space")
        assert first.is_checked()
        page.get_by_role("button", name=re.compile("提交答案")).press("Enter")
        page.wait_for_selector("text=正确答案")
        link = page.get_by_role("link", name=re.compile("下一题|查看成绩"))
        link.click()

    page.wait_for_selector("#my-rank")
    my_rank = page.locator("#my-rank").inner_text()
    library_rank = page.locator("#library-rank").inner_text()
    assert re.fullmatch(r"第 [1-4] 名", my_rank)
    assert re.fullmatch(r"第 [1-3] 名", library_rank)
    assert "长沙图书馆" in page.locator("#lib-h").inner_text()
    assert "共 4 人参加" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name=re.compile("查看排行榜")).click()
    page.wait_for_selector("text=个人榜")
    table = page.locator('[data-board="individuals"]').inner_text()
    assert "小明" in table and "王小明" not in table and "书虫" in table
