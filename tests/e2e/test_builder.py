"""Issue 15's browser test. As org-hn, in the browser only: create 2028 湖南暑期阅读答题 from the blank
template, set its schedule, take part with the 湖南 subtree, add a quiz drawing 10 questions from a bank
imported on the page, publish. Then a 长沙 guardian registers a child and takes the quiz on its opening day,
and not the day before (the server runs on a test clock: tests/e2e/frozen_gunicorn.py)."""

import re

import pytest
from django.conf import settings

from tests.e2e.conftest import wait_js

pytestmark = pytest.mark.e2e

SEED = """
from campaigns.models import Library, OrganizerRole, User
user = User.objects.create_user(username="org-hn", password="shuxiang2027", is_staff=True)
OrganizerRole.objects.create(user=user, library=Library.objects.get(code="P-HN"))
print("seeded")
"""
BANK_CSV = "id,type,stem,option_a,option_b,option_c,answer,difficulty,tags,explanation\n" + "".join(
    f"s{i},single,《静夜思》第 {i} 题：床前明月光的下一句是？,疑是地上霜,举头望明月,低头思故乡,A,{1 + i % 3},唐诗,李白\n"
    for i in range(1, 21))
SLUG = "hn-summer-2028"


def organizer(server, browser, viewport: dict, **options):
    """A browser logged in as org-hn, who lands on the dashboard (which offers 新建活动)."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
    context.set_default_timeout(60000)
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("input[name=username]", "org-hn")
    page.fill("input[name=password]", "shuxiang2027")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/reports/")
    return context, page


def family_joins(browser, base: str, slug: str, mobile: str, name: str, nickname: str):
    """A 长沙 guardian on a phone registers, adds a child and joins the campaign through 长沙图书馆's join code."""
    family = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True)
    family.set_default_timeout(60000)
    phone = family.new_page()
    phone.goto(f"{base}/accounts/register/")
    phone.get_by_label("手机号").fill(mobile)
    phone.locator("#id_password1").fill("Reading-2028!")
    phone.get_by_label("再次输入密码").fill("Reading-2028!")
    phone.get_by_label("我已阅读并同意上面的儿童个人信息保护规则").check()
    phone.get_by_role("button", name="注册").last.click()
    # Sign-up answers alike for new and registered numbers: log in next (phone filled in).
    phone.wait_for_url("**/accounts/login/**")
    phone.locator("#id_password").fill("Reading-2028!")
    phone.get_by_role("button", name="登录").last.click()
    phone.wait_for_url("**/family/children/add/**")
    phone.get_by_label("孩子姓名").fill(name)
    phone.get_by_label("昵称").fill(nickname)
    phone.get_by_label("出生年份").select_option("2019")
    phone.get_by_label("省份").select_option("湖南")
    phone.locator("#id_library").select_option(label="长沙图书馆")
    phone.get_by_label("作品参加评审").check()
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url("**/family/")
    phone.goto(f"{base}/c/{slug}/lib/C-HN-CS/")
    assert phone.locator("h1").inner_text() == "长沙图书馆"
    phone.goto(phone.locator("a.join-link").inner_text())
    phone.wait_for_url(f"**/c/{slug}/register/")
    phone.get_by_label(nickname).check()
    phone.get_by_role("button", name="确认报名").click()
    phone.wait_for_url("**/family/")
    assert "已报名，计入长沙图书馆" in phone.locator(".messages").inner_text()
    return family, phone


def test_org_builds_and_publishes_a_quiz_campaign_a_family_takes_it_on_its_opening_day(server, browser, tmp_path):
    server.start()
    server.manage("importlibraries", str(settings.BASE_DIR / "campaigns" / "examples" / "libraries.csv"))
    assert "seeded" in server.shell(SEED)
    bank_file = tmp_path / "summer-bank.csv"
    bank_file.write_text(BANK_CSV, encoding="utf-8")

    base = server.url
    laptop, page = organizer(server, browser, {"width": 1280, "height": 800})
    page.get_by_role("link", name=re.compile("新建活动")).click()

    # 新建活动 from the blank template.
    page.wait_for_url("**/builder/new/")
    assert page.get_by_label(re.compile("空白活动")).is_checked()
    page.get_by_label("活动标题 Title").fill("2028 湖南暑期阅读答题")
    page.get_by_label("活动代码 Slug").fill(SLUG)
    assert page.get_by_label("牵头图书馆 Lead library").input_value() == "P-HN"
    page.get_by_role("button", name=re.compile("创建草稿")).click()
    page.wait_for_url(f"**/builder/c/{SLUG}/basics/")

    # Basics: one age group, then on to the schedule.
    page.get_by_label("年龄组 1 代码 Key").fill("kids")
    page.get_by_label("年龄组 1 名称 Label").fill("少儿组（6–12 岁）")
    page.get_by_label("年龄组 1 最小年龄 Min age").fill("6")
    page.get_by_label("年龄组 1 最大年龄 Max age").fill("12")
    page.get_by_role("button", name=re.compile("保存并下一步")).click()
    page.wait_for_url(f"**/builder/c/{SLUG}/schedule/")

    # Schedule: published 20 June to 1 September 2028, archived from then.
    page.get_by_label(re.compile("已发布 Published 开始")).fill("2028-06-20T09:00")
    page.get_by_label(re.compile("已发布 Published 结束")).fill("2028-09-01T00:00")
    page.get_by_label(re.compile("归档 Archived 开始")).fill("2028-09-01T00:00")
    page.get_by_role("button", name=re.compile("保存并下一步")).click()
    page.wait_for_url(f"**/builder/c/{SLUG}/participation/")

    # Participation: the 湖南 subtree is chosen; every library in it has its branch page and QR code.
    assert page.get_by_label(re.compile("整个辖区.*：湖南图书馆")).is_checked()
    assert int(page.locator("#branch-count").inner_text()) > 10
    assert page.get_by_role("link", name="长沙图书馆").count() == 1
    page.get_by_role("button", name=re.compile("保存并下一步")).click()
    page.wait_for_url(f"**/builder/c/{SLUG}/events/")

    # Events: add a quiz, import its bank on the event page, draw 10 questions.
    page.get_by_label("类型 Kind").select_option("quiz")
    page.get_by_label("项目名称 Title").fill("暑期阅读答题")
    page.get_by_label("项目代码 Slug").fill("summer-quiz")
    page.get_by_role("button", name="添加 Add").click()
    page.get_by_role("link", name="暑期阅读答题").click()
    page.wait_for_url(f"**/builder/c/{SLUG}/events/0/")
    page.get_by_label("题库代码 Bank slug").fill("hn-summer")
    page.get_by_label("题库名称 Bank title").fill("湖南暑期题库")
    page.get_by_label("文件 File").set_input_files(str(bank_file))
    page.get_by_role("button", name=re.compile("导入 Import")).click()
    assert "已导入 20 题" in page.locator(".messages").inner_text()
    page.get_by_label("湖南暑期题库").check()
    assert "难度 1：6" in page.locator("table").first.inner_text()  # counts by difficulty
    page.get_by_label("每次题数 Questions per attempt").fill("10")
    page.get_by_label("每题限时（秒）Seconds per question").fill("30")
    page.get_by_label("每天次数 Attempts per day").fill("1")
    page.get_by_label("解析显示 Explanations").select_option("after_each")
    page.get_by_label("开始 Opens").fill("2028-07-01T00:00")
    page.get_by_label("结束 Closes").fill("2028-08-01T00:00")
    page.get_by_role("button", name="保存 Save", exact=True).click()
    assert "已保存" in page.locator(".messages").inner_text()
    assert "答对一题、用时 5 秒：得 100 分" in page.locator(".worked").inner_text()

    # Review has nothing left; the preview shows the family's pages; publish.
    page.get_by_role("link", name=re.compile("^检查")).click()
    assert "没有发现问题" in page.locator("main").inner_text()
    page.get_by_role("link", name=re.compile("预览 Preview")).first.click()
    page.get_by_role("link", name=re.compile("活动主页")).click()
    assert "2028 湖南暑期阅读答题" in page.locator("h1").inner_text()
    assert "暑期阅读答题" in page.locator("main").inner_text()
    page.goto(f"{base}/builder/c/{SLUG}/publish/")
    page.get_by_role("button", name=re.compile("发布活动")).click()
    assert "已发布" in page.locator(".messages").inner_text()
    laptop.close()

    # The day before the quiz opens (30 June 2028): a 长沙 guardian registers and is told to wait.
    server.stop()
    server.start(clock="2028-06-30T10:00:00+08:00")
    family, phone = family_joins(browser, base, SLUG, "13912340028", "周小雨", "小雨")

    phone.goto(f"{base}/c/{SLUG}/")
    phone.get_by_role("link", name=re.compile("暑期阅读答题")).first.click()
    phone.get_by_role("button", name=re.compile("开始答题")).click()
    assert "答题将于 2028-07-01 00:00 开始" in phone.locator(".messages").inner_text()

    # Its opening day (1 July 2028): the child takes the quiz, 10 questions drawn from the bank.
    server.stop()
    server.start(clock="2028-07-01T09:00:00+08:00")
    phone.reload()
    phone.get_by_role("button", name=re.compile("开始答题")).click()
    for position in range(1, 11):
        phone.wait_for_selector("form#quiz-form")
        assert phone.locator(".quiz-meta").inner_text().startswith(f"第 {position} / 10 题")
        phone.locator("input[name=choice]").first.check()
        phone.get_by_role("button", name=re.compile("提交答案")).click()
        phone.wait_for_selector("text=正确答案")
        phone.get_by_role("link", name=re.compile("下一题|查看成绩")).click()
    phone.wait_for_selector("#my-rank")
    assert re.fullmatch(r"第 1 名", phone.locator("#my-rank").inner_text())
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    family.close()


READINGS = """
import io, math, struct, wave
from django.core.files.base import ContentFile
from events.models import Poem
for key in ["jingyesi", "chunxiao"]:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(16000)))
    poem = Poem.objects.get(key=key)
    poem.model_reading.save(f"{key}.wav", ContentFile(buffer.getvalue()))
print("readings", Poem.objects.exclude(model_reading="").count())
"""


def test_org_builds_a_recitation_whose_model_readings_a_child_plays_on_the_opening_day(server, browser):
    server.start()
    server.manage("importlibraries", str(settings.BASE_DIR / "campaigns" / "examples" / "libraries.csv"))
    assert "seeded" in server.shell(SEED)
    base = server.url
    laptop, page = organizer(server, browser, {"width": 1024, "height": 768})  # a tablet
    page.get_by_role("link", name=re.compile("新建活动")).click()
    page.get_by_label("活动标题 Title").fill("2028 湖南暑期诵读")
    page.get_by_label("活动代码 Slug").fill("hn-recite-2028")
    page.get_by_role("button", name=re.compile("创建草稿")).click()
    page.wait_for_url("**/builder/c/hn-recite-2028/basics/")
    page.get_by_role("link", name=re.compile("^日程")).click()
    page.get_by_label(re.compile("已发布 Published 开始")).fill("2028-06-20T09:00")
    page.get_by_label(re.compile("征集作品 Entries open 开始")).fill("2028-07-01T00:00")
    page.get_by_label(re.compile("征集作品 Entries open 结束")).fill("2028-08-01T00:00")
    page.get_by_label(re.compile("归档 Archived 开始")).fill("2028-09-01T00:00")
    page.get_by_role("button", name="保存草稿 Save draft").click()
    assert "已保存" in page.locator(".messages").inner_text()
    page.get_by_role("link", name=re.compile("^活动项目")).click()
    page.get_by_label("类型 Kind").select_option("recitation")
    page.get_by_label("项目名称 Title").fill("古诗诵读")
    page.get_by_label("项目代码 Slug").fill("recite")
    page.get_by_role("button", name="添加 Add").click()
    assert "readings 2" in server.shell(READINGS)  # the catalogue's model readings (the families' upload)
    page.get_by_role("link", name="古诗诵读").click()
    page.get_by_label("只用选中的 Only those ticked").check()
    page.get_by_label("静夜思", exact=True).check()
    page.get_by_label("春晓", exact=True).check()
    assert page.get_by_label("静夜思 示范朗读 model reading").count() == 1  # each poem's reading plays here
    page.get_by_role("button", name="保存 Save", exact=True).click()
    assert "已保存" in page.locator(".messages").inner_text()
    page.get_by_role("link", name=re.compile("^发布")).click()
    page.get_by_role("button", name=re.compile("发布活动")).click()
    assert "已发布" in page.locator(".messages").inner_text()
    laptop.close()

    # The opening day of entries: a 长沙 family registers and hears the model reading before recording.
    server.stop()
    server.start(clock="2028-07-01T09:00:00+08:00")
    family, phone = family_joins(browser, base, "hn-recite-2028", "13912340029", "周小诗", "小诗")
    phone.goto(f"{base}/c/hn-recite-2028/")
    phone.get_by_role("link", name=re.compile("古诗诵读")).first.click()
    phone.wait_for_url("**/entries/event/*/submit/**")
    options = phone.get_by_label("选择诗词").locator("option").all_text_contents()
    assert any("静夜思" in o for o in options) and not any("咏鹅" in o for o in options)
    phone.get_by_label("选择诗词").select_option(label=next(o for o in options if "静夜思" in o))
    audio = phone.locator("#poem-text audio, audio").first
    audio.wait_for()
    phone.evaluate("a => a.play()", audio.element_handle())
    wait_js(phone, "[...document.querySelectorAll('#poem-text audio, audio')].some(a => a.currentTime > 0)",
            timeout=15000)  # it really plays
    family.close()


DRAFT = """slug: hn-essay-2028
title: 2028 湖南少儿征文
lead_library: P-HN
stages:
  - kind: published
    starts: 2028-06-01 09:00
  - kind: entries_open
    starts: 2028-06-10 09:00
    ends: 2028-07-31 00:00
  - kind: archived
    starts: 2028-09-01 00:00
libraries:
  subtrees: [P-HN]
age_groups:
  - {key: kids, label: 少儿组, min_age: 6, max_age: 12}
events:
  - slug: essay
    kind: essay
    title: 我的暑假阅读
    age_groups: [kids]
    entries:
      media: [essay]
"""


def test_org_sets_a_judging_round_with_a_live_rubric_sum_and_a_wechat_push_on_the_calendar(server, browser, tmp_path):
    server.start()
    server.manage("importlibraries", str(settings.BASE_DIR / "campaigns" / "examples" / "libraries.csv"))
    assert "seeded" in server.shell(SEED)
    draft = tmp_path / "draft.yaml"
    draft.write_text(DRAFT, encoding="utf-8")
    server.manage("loadcampaign", str(draft))
    base = server.url

    # On a tablet: the judging step, one round added with 添加一行, its rubric summed as it is typed.
    tablet, page = organizer(server, browser, {"width": 1024, "height": 768})
    page.goto(f"{base}/builder/c/hn-essay-2028/judging/")
    page.get_by_role("button", name=re.compile("添加一行 Add a round|添加一行.*评审轮次")).click()
    page.wait_for_url("**/judging/#add-rounds")  # back where the button was, without JavaScript
    round_ = page.locator("#round-0")
    round_.get_by_label("轮次代码 Key").fill("final")
    round_.get_by_label("轮次名称 Title").fill("全省终评")
    round_.get_by_label("评审的项目 Event").select_option("essay")
    round_.get_by_label("评审范围 Scope").select_option("province")
    round_.get_by_label(re.compile("同城回避")).check()
    criteria = round_.locator(".criterion")
    for i, (key, label, weight) in enumerate([("content", "思想内容", "60"), ("language", "语言表达", "30")]):
        criteria.nth(i).get_by_label("代码 Key").fill(key)
        criteria.nth(i).get_by_label("评分项 Criterion").fill(label)
        criteria.nth(i).get_by_label("权重 % Weight").fill(weight)
    wait_js(page, "document.querySelector('#round-0 .rubric-sum').textContent === '90 %'")
    assert "✗" in round_.locator(".rubric-total").inner_text()
    criteria.nth(1).get_by_label("权重 % Weight").fill("40")
    wait_js(page, "document.querySelector('#round-0 .rubric-sum').textContent === '100 %'")
    assert "✓" in round_.locator(".rubric-total").inner_text()
    page.get_by_label("开放点赞 Likes are open").check()
    page.get_by_label("点赞的项目 Event").select_option("essay")
    page.get_by_label("最终得分公式 Final formula").fill("0.7 * panel + 0.3 * likes")
    wait_js(page, "document.querySelector('.formula-result').textContent.startsWith('78.2')")  # 0.7×86 + 0.3×60
    page.get_by_role("button", name="保存草稿 Save draft").click()
    assert "已保存" in page.locator(".messages, .issues").first.inner_text()
    assert page.locator("#round-0").get_by_label("轮次代码 Key").input_value() == "final"
    tablet.close()

    # On a phone (375 px): a push scheduled on 10 June, seen on the calendar.
    mobile, phone = organizer(server, browser, {"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    phone.goto(f"{base}/builder/c/hn-essay-2028/wechat/")
    phone.get_by_role("button", name=re.compile("添加一行.*推送")).click()
    push = phone.locator("#push-0")
    push.get_by_label("推送名称 Title").fill("征文开始啦")
    push.get_by_label("推送代码 Key").fill("launch")
    push.get_by_label("一次推送：时间 Once, at").fill("2028-06-10T10:00")
    push.get_by_label("文章标题 Article title").fill("2028 湖南少儿征文开始征集")
    push.get_by_label("正文 Content").fill("<p>写一写你的暑假阅读。</p>")
    push.get_by_label("原文链接 Link").fill("/c/hn-essay-2028/")
    phone.get_by_role("button", name="保存草稿 Save draft").click()
    assert "已保存" in phone.locator(".messages, .issues").first.inner_text()
    calendar = phone.locator(".push-calendar")
    assert "2028 年 6 月" in calendar.inner_text()
    day = calendar.locator("td.has-push")
    assert day.count() == 1 and "10:00 征文开始啦" in day.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    mobile.close()
