"""A guardian, on a 375 px phone, registers, adds a child with consent, opens the child's library
branch page of a campaign, registers the child there and watches the live counter move."""

import pytest

from tests.e2e.conftest import wait_js

pytestmark = pytest.mark.e2e

SEED_CAMPAIGN = """
from campaigns.models import Library
from tests.campaigns.family_helpers import make_campaign
libraries = {lib.code: lib for lib in Library.objects.all()}
make_campaign(libraries, slug="tongyin-e2e", title="童音诵古韵·经典有新声")
print("seeded")
"""


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_family_flow_on_a_phone(server, corpus, phone_page, browser):
    server.start()
    server.manage("importlibraries", str(corpus / "data" / "libraries.csv"))
    assert "seeded" in server.shell(SEED_CAMPAIGN)
    page = phone_page
    base = server.url

    # Register a guardian account.
    page.goto(f"{base}/accounts/register/")
    assert no_horizontal_scroll(page)
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("称呼（选填）").fill("李女士")
    page.locator("#id_password1").fill("Reading-2027!")
    page.get_by_label("再次输入密码").fill("Reading-2027!")
    page.get_by_label("我已阅读并同意上面的儿童个人信息保护规则").check()
    page.get_by_role("button", name="注册").last.click()
    # Sign-up answers alike for new and registered numbers: log in next (phone filled in).
    page.wait_for_url("**/accounts/login/**")
    page.locator("#id_password").fill("Reading-2027!")
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_url("**/family/children/add/**")

    # Add a child: province first, then the library (filtered in the page), consent to judging.
    assert no_horizontal_scroll(page)
    page.get_by_label("孩子姓名").fill("李小华")
    page.get_by_label("昵称").fill("小华")
    birth_year = page.evaluate("new Date().getFullYear() - 8")
    page.get_by_label("出生年份").select_option(str(birth_year))
    page.get_by_label("省份").select_option("湖南")
    options = page.locator("#id_library option").all_text_contents()
    assert "长沙图书馆" in options and "河北省图书馆" not in options and len(options) < 30
    page.locator("#id_library").select_option(label="长沙图书馆")
    page.get_by_label("作品参加评审").check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/family/")
    child_card = page.locator("article.child")
    assert "小华" in child_card.inner_text() and "长沙图书馆" in child_card.inner_text()
    assert "已同意" in child_card.inner_text()

    # A second page watches the campaign's live counter.
    watcher = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    watcher.goto(f"{base}/c/tongyin-e2e/")
    counter = watcher.locator("#participants")
    assert counter.inner_text() == "0"
    wait_js(watcher, "document.body.getAttribute('data-live') === 'on'", timeout=10000)

    # The child's library branch page: its name, events, QR code.
    page.goto(f"{base}/c/tongyin-e2e/lib/C-HN-CS/")
    assert no_horizontal_scroll(page)
    assert page.locator("h1").inner_text() == "长沙图书馆"
    qr = page.get_by_alt_text("长沙图书馆的报名二维码")
    qr.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", qr.element_handle())
    join_url = page.locator("a.join-link").inner_text()
    assert "/c/tongyin-e2e/join/" in join_url

    # Join through the branch and register the child.
    page.goto(join_url)
    page.wait_for_url("**/c/tongyin-e2e/register/")
    assert "长沙图书馆" in page.locator("main").inner_text()
    page.get_by_label("小华").check()
    page.get_by_role("button", name="确认报名").click()
    page.wait_for_url("**/family/")
    assert "已报名，计入长沙图书馆" in page.locator(".messages").inner_text()
    assert "童音诵古韵·经典有新声" in page.locator("article.child").inner_text()

    # The watcher's counter moved without a reload, and a reload shows the same number.
    wait_js(watcher, "document.getElementById('participants').textContent.trim() === '1'", timeout=10000)
    watcher.reload()
    assert watcher.locator("#participants").inner_text() == "1"
    watcher.context.close()

    # Keyboard only: log out, the skip link comes first, log in again with the keyboard, switch to English.
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{base}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.goto(f"{base}/accounts/login/")
    assert page.evaluate("document.activeElement.id") == "id_username"  # autofocus
    page.keyboard.type("13912345678")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type("Reading-2027!")
    page.keyboard.press("Enter")
    page.wait_for_url("**/family/")
    assert page.locator("h1").inner_text() == "我的家庭"
    page.get_by_label("语言 Language").select_option("en")
    wait_js(page, "document.documentElement.lang === 'en'")
    assert page.locator("h1").inner_text() == "My family"
    assert no_horizontal_scroll(page)
