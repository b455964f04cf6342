"""Browser: a guardian answers the satisfaction survey from the family page; the provincial
organizer sees the answer in the report's survey results (anonymous: the family did not agree)."""

import re

import pytest

pytestmark = pytest.mark.e2e

SEED = r'''
from datetime import timedelta
from django.utils import timezone
from campaigns.models import Campaign, CampaignLibrary, Child, Library, OrganizerRole, Registration, User
from feedback.models import Question, Survey
from feedback.services import surveys_send_due

def lib(code, level, parent):
    return Library.objects.create(code=code, name=code + "馆", level=level, parent=parent,
                                  path=(parent.path if parent else "/") + code + "/")
nlc = lib("NLC", "national", None); hn = lib("P-HN", "provincial", nlc); cs = lib("C-HN-CS", "city", hn)
campaign = Campaign.objects.create(slug="tongyin", title="童音诵古韵", lead_library=nlc)
CampaignLibrary.objects.create(campaign=campaign, library=cs)
guardian = User.objects.create_user(username="13800000001", phone="13800000001", password="shuxiang2027",
                                    display_name="王女士")
child = Child.objects.create(guardian=guardian, display_name="王小明", nickname="小明", birth_year=2017, library=cs)
Registration.objects.create(campaign=campaign, child=child, library=cs)
org = User.objects.create_user(username="org-hn", password="shuxiang2027", is_staff=True)
OrganizerRole.objects.create(user=org, library=hn)
survey = Survey.objects.create(campaign=campaign, title_zh="活动满意度调查", title_en="How did it go?",
                               opens_at=timezone.now() - timedelta(minutes=5))
Question.objects.create(survey=survey, position=1, kind="rating", text_zh="总体满意吗？", text_en="Overall?")
Question.objects.create(survey=survey, position=2, kind="choice", text_zh="从哪里知道？", text_en="Where?",
                        choices="图书馆 | Library\n微信 | WeChat")
Question.objects.create(survey=survey, position=3, kind="text", text_zh="建议", text_en="Suggestions", required=False)
print("SENT", surveys_send_due())
'''


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "shuxiang2027")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_guardian_answers_and_the_organizer_sees_it_in_the_report(server, browser):
    server.start()
    assert "SENT 1" in server.shell(SEED)
    family = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True)
    page = family.new_page()
    _login(page, server.url, "13800000001")
    page.goto(server.url + "/family/")
    assert "满意度调查：活动满意度调查" in page.content()  # the invitation notice
    page.get_by_role("link", name="活动满意度调查").first.click()
    page.get_by_label("4 分").check()
    page.get_by_label(re.compile("微信")).check()
    page.get_by_label(re.compile("建议")).fill("希望多一些古诗<b>答题</b>")
    page.get_by_role("button", name=re.compile("提交")).click()
    page.wait_for_selector("#survey-done")
    family.close()

    organizer = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True)
    page = organizer.new_page()
    _login(page, server.url, "org-hn")
    page.goto(server.url + "/reports/c/tongyin/")
    page.get_by_role("link", name=re.compile("满意度调查")).click()
    page.wait_for_selector('[data-key="responses"]')
    assert page.locator('[data-key="responses"]').inner_text() == "1"
    assert page.locator("[data-key^=average-]").first.inner_text() == "4.0"
    texts = page.locator(".survey-texts").inner_text()
    assert "希望多一些古诗答题" in texts and "匿名" in texts and "王女士" not in texts
    assert page.locator("svg.chart").count() >= 2
    organizer.close()
