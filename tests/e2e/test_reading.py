"""Reading check-in in the browser, on a test clock (tests/e2e/frozen_gunicorn.py): a child logs reading
three days running, earns the streak badge, sees the points and downloads the poster (PNG); another
child checks in to an exhibition with its code inside the session's window and is refused outside it;
the branch page's goal bar moves."""

import hashlib
import hmac
import math
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e
SH = ZoneInfo("Asia/Shanghai")

SEED = r"""
from datetime import datetime
from zoneinfo import ZoneInfo
from campaigns.models import (Campaign, CampaignLibrary, Child, ConsentRecord, Library, OrganizerRole, Registration,
                              Stage, User)
from events.models import Event
from reading.models import CheckinSession
SH = ZoneInfo("Asia/Shanghai")
nlc = Library.objects.create(code="NLC", name="国家图书馆", level="national", path="/NLC/")
hn = Library.objects.create(code="P-HN", name="湖南图书馆", level="provincial", parent=nlc, path="/NLC/P-HN/",
                            province="湖南")
cs = Library.objects.create(code="C-HN-CS", name="长沙图书馆", level="city", parent=hn, path="/NLC/P-HN/C-HN-CS/",
                            province="湖南")
campaign = Campaign.objects.create(slug="read-e2e", title="寒假阅读 2027", lead_library=nlc, config={
    "points": {"per_reading_minute": 1, "streaks": [{"days": 3, "bonus": 30}], "checkin": 15},
    "badges": [{"key": "first-log", "title": "阅读起步", "rule": {"first_log": True}},
               {"key": "streak-3", "title": "三日不辍", "rule": {"streak_days": 3}}],
    "goal": {"minutes": 1000, "title": "共读一千分钟"}})
Stage.objects.create(campaign=campaign, kind="published", starts_at=datetime(2027, 1, 1, tzinfo=SH),
                     ends_at=datetime(2027, 3, 1, tzinfo=SH))
Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=datetime(2027, 1, 1, tzinfo=SH),
                     ends_at=datetime(2027, 2, 1, tzinfo=SH))
for lib in (nlc, hn, cs):
    CampaignLibrary.objects.create(campaign=campaign, library=lib)
event = Event.objects.create(campaign=campaign, slug="daka", kind="reading", title="寒假阅读打卡")
for phone, name, nickname in (("13912340001", "王小明", "小明"), ("13912340002", "李小红", "小红")):
    user = User.objects.create_user(username=phone, phone=phone, password="Reading-2027!")
    child = Child.objects.create(guardian=user, display_name=name, nickname=nickname, birth_year=2017, library=cs)
    for purpose in ConsentRecord.Purpose.values:
        ConsentRecord.objects.create(child=child, purpose=purpose, granted=True, text_version="t", recorded_by=user)
    Registration.objects.create(campaign=campaign, child=child, library=cs)
org = User.objects.create_user(username="org-cs", password="Reading-2027!", is_staff=True)
OrganizerRole.objects.create(user=org, library=cs)
session = CheckinSession.objects.create(campaign=campaign, library=cs, title="新春书展", created_by=org,
                                        starts_at=datetime(2027, 1, 12, 18, tzinfo=SH),
                                        ends_at=datetime(2027, 1, 12, 21, tzinfo=SH), period_seconds=3600)
print("SEED", event.id, session.id, session.secret)
"""


def code_at(session_id: int, secret: str, moment: datetime, period: int = 3600) -> str:
    """The code the venue's screen shows at `moment` (reading.services.checkin_code)."""
    window = math.floor(moment.timestamp() / period)
    return hmac.new(secret.encode(), f"{session_id}:{window}".encode(), hashlib.sha256).hexdigest()[:12]


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("Reading-2027!")
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state()


def phone(browser):
    return browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True,
                               has_touch=True, accept_downloads=True)


def test_three_days_of_reading_a_streak_badge_a_poster_a_check_in_and_the_goal_bar(server, browser, tmp_path):
    base = server.url
    server.manage("migrate", "--no-input", "-v0")
    server.manage("createcachetable")
    event_id, session_id, secret = server.shell(SEED).split("SEED", 1)[1].split()
    event_id, session_id = int(event_id), int(session_id)
    log_url, branch_url = f"{base}/reading/e/{event_id}/", f"{base}/c/read-e2e/lib/C-HN-CS/"
    scan_url = f"{base}/reading/checkin/{session_id}/" + code_at(session_id, secret, datetime(2027, 1, 12, 19, tzinfo=SH)) + "/"

    mother_ctx, other_ctx = phone(browser), phone(browser)
    mother, other = mother_ctx.new_page(), other_ctx.new_page()
    minutes_on_branch = []
    for day in (10, 11, 12):
        server.stop()
        server.start(clock=f"2027-01-{day}T19:00:00+08:00")
        if day == 10:
            login(mother, base, "13912340001")
            login(other, base, "13912340002")
            # Two days before the exhibition: its code is refused, the session has not started.
            other.goto(scan_url)
            assert "签到还没有开始" in other.locator("main").inner_text()
            assert other.get_by_role("button", name=re.compile("^签到")).count() == 0
        mother.goto(branch_url)
        minutes_on_branch.append(int(mother.locator("[data-goal-minutes]").inner_text()))
        mother.goto(log_url)
        mother.get_by_label("书名或篇目").fill("草房子")
        mother.get_by_label(re.compile("阅读时间")).fill("30")
        mother.get_by_role("button", name=re.compile("打卡")).click()
        mother.wait_for_load_state()
        assert "打卡成功：30 分钟" in mother.locator(".messages").inner_text()
        assert mother.locator("[data-streak]").inner_text().startswith(f"{day - 9} 天")

    # Day three: the streak badge and its bonus (3 × 30 minutes at 1 point + 30).
    summary = mother.locator("section.reading-summary")
    assert "三日不辍" in summary.inner_text()
    assert mother.locator("[data-points]").inner_text() == "120"
    with mother.expect_download() as download:
        summary.locator("li", has_text="三日不辍").get_by_role("link", name=re.compile("下载海报")).click()
    poster = tmp_path / "poster.png"
    download.value.save_as(poster)
    assert poster.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The branch page's goal bar moved with each day's 30 minutes.
    mother.goto(branch_url)
    minutes_on_branch.append(int(mother.locator("[data-goal-minutes]").inner_text()))
    assert minutes_on_branch == [0, 30, 60, 90]
    assert float(mother.locator("progress.goal-bar").get_attribute("value")) > 0

    # At the exhibition, inside its window: 小红 checks in with the code on the screen.
    other.goto(scan_url)
    other.get_by_label("小红").check()
    other.get_by_role("button", name=re.compile("^签到")).click()
    other.wait_for_load_state()
    assert "签到成功：小红" in other.locator(".messages").inner_text()
    assert "已签到" in other.locator("main").inner_text()

    # After the session's end the same code is refused.
    server.stop()
    server.start(clock="2027-01-12T21:30:00+08:00")
    other.goto(scan_url)
    assert "签到已经结束" in other.locator("main").inner_text()
    assert other.get_by_role("button", name=re.compile("^签到")).count() == 0
    mother_ctx.close()
    other_ctx.close()
