"""Browser: two judges compare essays with the keyboard (← / → / ↓), the chief judge's page shows SSR
and judges' misfit move live, the organizer closes the round and the advance rule picks the top."""

import json

import pytest

from tests.e2e.conftest import wait_js

pytestmark = pytest.mark.e2e

SEED = r'''
import json
from django.conf import settings
from campaigns.library_import import libraries_import
from campaigns.models import Campaign, Child, ConsentRecord, Library, OrganizerRole, User
from events.models import Event
from judging import services
from judging.models import Round
from submissions.models import Entry

libraries_import(path=settings.BASE_DIR / "campaigns" / "examples" / "libraries.csv")
lib = {l.code: l for l in Library.objects.all()}
cfg = {"judging": {"rounds": [{"key": "prelim", "event": "essay", "title": "征文初评", "scope": "national",
       "method": "comparative", "comparisons_per_entry": 3, "advance": {"top": 2}}]}}
campaign = Campaign.objects.create(slug="e2e-compare", title="我的阅读年", lead_library=lib["NLC"], config=cfg)
event = Event.objects.create(campaign=campaign, slug="essay", kind="essay", title="征文")
guardian = User.objects.create_user(username="fam", password="x-Secret-2027")
codes = ["C-HN-CS", "X-HN-CSX", "P-GD", "P-ZJ", "P-SC", "P-SH"]
for n, code in enumerate(codes):
    child = Child.objects.create(guardian=guardian, display_name=f"秘密{n}", nickname=f"昵称秘{n}", birth_year=2015,
                                 library=lib[code])
    ConsentRecord.objects.create(child=child, purpose="judging", granted=True, text_version="t")
    # Entry n's essay has n + 1 sentences: the judges below prefer the longer one.
    Entry.objects.create(event=event, child=child, library=lib[code], kind="essay", status="ready",
                         text="读书让我快乐。" * (n + 1), original_name=f"secret-{n}.txt")
services.judge_upsert(username="judge-a", library=lib["P-HE"], display_name="评委甲", password="Judge-2027")
services.judge_upsert(username="judge-b", library=lib["P-BJ"], display_name="评委乙", password="Judge-2027")
chief = User.objects.create_user(username="chief", password="Chief-2027", is_staff=True)
OrganizerRole.objects.create(user=chief, library=lib["NLC"])
services.rounds_sync(campaign=campaign)
r = Round.objects.get(campaign=campaign)
services.round_set_status(round_=r, status="open", actor=None)
print(json.dumps({"round": r.id}))
'''


def login(page, url, username, password, next_url="/judging/"):
    page.goto(f"{url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**{next_url}")


def compare_with_keyboard(page, url, round_id, *, limit=20):
    """Press ← or → for the longer essay (↓ when equal) until the page says nothing is left."""
    made = 0
    for _ in range(limit):
        page.goto(f"{url}/judging/rounds/{round_id}/compare/")
        if page.locator("#compare-form").count() == 0:
            break
        html = page.content()
        assert "秘密" not in html and "secret-" not in html  # blind
        left = page.locator(".compare-side[data-side=a] .compare-essay").inner_text()
        right = page.locator(".compare-side[data-side=b] .compare-essay").inner_text()
        key = "ArrowLeft" if len(left) > len(right) else "ArrowRight" if len(right) > len(left) else "ArrowDown"
        page.locator("h1").click()
        with page.expect_navigation():
            page.keyboard.press(key)
        made += 1
    return made


def test_two_judges_compare_with_the_keyboard_and_the_round_advances_the_best(server, browser):
    server.start()
    round_id = json.loads(server.shell(SEED).strip().splitlines()[-1])["round"]

    chief_ctx = browser.new_context(locale="zh-CN")
    chief = chief_ctx.new_page()
    login(chief, server.url, "chief", "Chief-2027")
    chief.goto(f"{server.url}/judging/rounds/{round_id}/progress/")
    wait_js(chief, "document.getElementById('live-state').textContent.includes('Live')")
    assert chief.locator("#cj-ssr").inner_text() == "—"

    made = 0
    for username in ("judge-a", "judge-b"):
        ctx = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 800})
        page = ctx.new_page()
        login(page, server.url, username, "Judge-2027")
        page.get_by_role("link", name="开始比较").first.click()
        page.wait_for_selector("#compare-form")
        made += compare_with_keyboard(page, server.url, round_id)
        assert "暂时没有需要您比较的作品" in page.content() or made >= 9
        ctx.close()
    assert made >= 9  # 6 entries × 3 comparisons / 2

    # The chief judge's page moved without a reload: SSR and both judges' misfit are shown.
    wait_js(chief, "document.getElementById('cj-ssr').textContent !== '—'", timeout=15000)
    wait_js(chief, "document.querySelectorAll('#cj-judges tr').length === 2", timeout=15000)
    assert "评委甲" in chief.locator("#cj-judges").inner_text()
    assert 0 <= float(chief.locator("#cj-ssr").inner_text()) <= 1

    # The organizer closes the round and computes the results: the two longest essays advance.
    chief.goto(f"{server.url}/judging/rounds/{round_id}/")
    chief.get_by_role("button", name="截止评审 Close").click()
    chief.get_by_role("button", name="计算结果", exact=False).click()
    out = server.shell(
        "from judging.models import Result; "
        "print([(len(r.entry.text), r.rank, r.advanced) for r in Result.objects.order_by('rank')])"
    )
    rows = eval(out.strip().splitlines()[-1])  # noqa: S307 (our own printed list)
    assert [advanced for _, _, advanced in rows] == [True, True, False, False, False, False]
    lengths = sorted((length for length, _, _ in rows), reverse=True)
    assert {length for length, _, advanced in rows if advanced} == set(lengths[:2])
    chief_ctx.close()
