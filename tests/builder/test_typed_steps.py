"""The judging, awards and WeChat steps: forms generated from the typed sections. Each saves into the typed
model and exportcampaign gives back what was entered; the model's errors show next to their field; rows are
added without JavaScript; structural edits stay refused once entries exist."""

import io
import re

import pytest
from django.core.management import call_command

from builder.forms.typed import section_model
from campaigns.models import AuditEvent, Campaign
from judging.sections import judging_options
from tests.builder.forms import as_data, post_forms
from wechat.sections import wechat_options

pytestmark = pytest.mark.django_db
URL = "/builder/c/hn-summer-2028/{}/"


@pytest.fixture
def draft(hn_client, tree):
    hn_client.post("/builder/new/", {"template": "blank", "slug": "hn-summer-2028", "title": "2028 湖南暑期阅读",
                                     "lead": "P-HN"})
    hn_client.post("/builder/c/hn-summer-2028/events/", {"action": "add", "kind": "essay", "title": "我的暑假阅读",
                                                          "slug": "essay"})
    return Campaign.objects.get(slug="hn-summer-2028")


def page_data(client, step: str, **more) -> dict:
    """The step's form as the browser would post it untouched, optionally after pressing 添加一行 (`more`)."""
    url = URL.format(step)
    data = as_data(post_forms(client.get(url).content.decode())[0]["fields"])
    for target in more.get("more", []):
        response = client.post(url, {**data, "more": target})
        assert response.status_code == 200  # shown again, nothing saved
        data = as_data(post_forms(response.content.decode())[0]["fields"])
    return {k: v[0] if len(v) == 1 else v for k, v in data.items()}


def save(client, step: str, data: dict):
    return client.post(URL.format(step), {**data, "go": step})


def exported(slug="hn-summer-2028") -> str:
    out = io.StringIO()
    call_command("exportcampaign", slug, stdout=out)
    return out.getvalue()


def field_errors(html: str, name: str) -> str:
    match = re.search(rf'id="{re.escape(name)}-errors">(.*?)</span>\s*</div>', html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


ROUND = {"rounds-0-key": "provincial", "rounds-0-title": "省级初评", "rounds-0-event": "essay",
         "rounds-0-scope": "province", "rounds-0-judges_per_entry": "4", "rounds-0-same_city_conflict": "on",
         "rounds-0-advance_by": "top_percent", "rounds-0-advance_value": "20",
         "rounds-0-opens": "2028-08-01T09:00", "rounds-0-closes": "2028-08-10T00:00",
         "rounds-0-rubric-0-key": "content", "rounds-0-rubric-0-label": "思想内容", "rounds-0-rubric-0-weight": "60",
         "rounds-0-rubric-1-key": "language", "rounds-0-rubric-1-label": "语言表达", "rounds-0-rubric-1-weight": "40",
         "rounds-0-rubric-1-priority": "1"}


def test_judging_round_with_rubric_likes_and_formula_saves_to_the_typed_model_and_exports(hn_client, draft):
    data = page_data(hn_client, "judging", more=["rounds"])  # no JavaScript: 添加一行 shows a new round
    assert data["rounds-0-judges_per_entry"] == "3"  # the new round shows the model's defaults
    assert "judging" not in Campaign.objects.get().config
    data.update(ROUND)
    data.update({"likes-enabled": "on", "likes-event": "essay", "likes-per_voter_per_day": "10",
                 "scoring-formula": "0.8 * panel + 0.2 * likes"})
    response = save(hn_client, "judging", data)
    assert response.status_code == 302, re.findall(r"<li><a [^>]*><code>.*?</li>|message error.*?</p>", response.content.decode())

    options = judging_options(Campaign.objects.get())
    (round_,) = options.rounds
    assert (round_.key, round_.event, round_.scope, round_.judges_per_entry) == ("provincial", "essay", "province", 4)
    assert round_.same_city_conflict and round_.advance.top_percent == 20
    assert [(c.key, c.weight, c.priority) for c in round_.rubric] == [("content", 60, None), ("language", 40, 1)]
    assert options.likes.per_voter_per_day == 10 and options.final_formula == "0.8 * panel + 0.2 * likes"
    text = exported()
    for line in ("key: provincial", "judges_per_entry: 4", "top_percent: 20", "weight: 60", "label: 语言表达",
                 "opens: 2028-08-01 09:00", "formula: 0.8 * panel + 0.2 * likes", "per_voter_per_day: 10"):
        assert line in text, line
    audit = AuditEvent.objects.filter(action="builder.saved", campaign=draft).latest("id")
    assert audit.actor.username == "org-hn" and audit.data.get("step") == "judging"

    page = hn_client.get(URL.format("judging")).content.decode()
    assert re.search(r'class="rubric-sum"[^>]*>100 %</output>', page)  # the sum, without JavaScript too
    assert "80.8（0.8 * panel + 0.2 * likes）" in page  # 0.8 × 86 + 0.2 × 60 on the sample numbers


def test_judging_errors_are_shown_next_to_their_fields_and_nothing_is_saved(hn_client, draft):
    data = page_data(hn_client, "judging", more=["rounds"])
    data.update({**ROUND, "rounds-0-rubric-1-weight": "30", "rounds-0-judges_per_entry": "0",
                 "scoring-formula": "panel + import_os"})
    response = save(hn_client, "judging", data)
    assert response.status_code == 200
    page = response.content.decode()
    rubric = page.split('data-rubric', 1)[1].split("</fieldset>", 1)[0]
    assert "各项 weight 之和应为 100（现为 90）" in rubric  # in the rubric's own box
    assert "90 %" in rubric and "✗" in rubric
    assert "不能小于 1" in field_errors(page, "rounds-0-judges_per_entry") or \
        "正整数" in field_errors(page, "rounds-0-judges_per_entry")
    assert "import_os" in field_errors(page, "scoring-formula") and "not allowed" in field_errors(page, "scoring-formula")
    assert 'value="30"' in page and 'value="panel + import_os"' in page  # what was typed is kept
    assert "judging" not in Campaign.objects.get().config


def test_a_comparative_round_needs_no_rubric_and_removed_rows_are_dropped(hn_client, draft):
    data = page_data(hn_client, "judging", more=["rounds", "rounds"])
    data.update(ROUND)
    data.update({"rounds-1-key": "final", "rounds-1-title": "终评", "rounds-1-event": "essay",
                 "rounds-1-scope": "national", "rounds-1-method": "comparative", "rounds-1-ORDER": "0"})
    assert save(hn_client, "judging", data).status_code == 302
    rounds = judging_options(Campaign.objects.get()).rounds
    assert [(r.key, r.method, r.rubric) for r in rounds][0] == ("final", "comparative", None)  # ordered first
    data = page_data(hn_client, "judging")
    data["rounds-0-DELETE"] = "on"
    data["rounds-0-rubric-0-DELETE"] = "on"  # a comparative round: its blank rows are ignored anyway
    data["rounds-1-rubric-0-DELETE"] = "on"
    data["rounds-1-rubric-1-weight"] = "100"
    assert save(hn_client, "judging", data).status_code == 302
    (round_,) = judging_options(Campaign.objects.get()).rounds
    assert round_.key == "provincial" and [c.key for c in round_.rubric] == ["language"]


def test_panels_are_made_of_the_campaigns_judge_accounts_and_chosen_for_a_round(hn_client, draft, tree):
    from judging.models import Judge, Panel
    from judging.services import judge_upsert

    changsha = judge_upsert(username="judge-cs", display_name="长沙评委", library=tree["C-HN-CS"])
    hebei = judge_upsert(username="judge-he", display_name="河北评委", library=tree["P-HE"])  # not taking part
    page = hn_client.get(URL.format("judging")).content.decode()
    assert "长沙评委" in page and "河北评委" not in page  # the campaign's judge accounts only
    response = hn_client.post("/builder/c/hn-summer-2028/panels/", {"name": "全省评审组", "judge": [changsha.id]})
    assert response.status_code == 302 and response["Location"].endswith("/judging/#judges")
    panel = Panel.objects.get(campaign=draft, name="全省评审组")
    assert list(panel.judges.all()) == [changsha]
    audit = AuditEvent.objects.get(action="judging.panel_changed", campaign=draft)
    assert audit.actor.username == "org-hn" and audit.data["joined"] == [changsha.id]

    refused = hn_client.post("/builder/c/hn-summer-2028/panels/", {"name": "全省评审组", "judge": [hebei.id]},
                             follow=True)
    assert "只能选择本活动的评委账号" in refused.content.decode()
    assert list(panel.judges.all()) == [changsha] and Judge.objects.count() == 2

    data = page_data(hn_client, "judging", more=["rounds"])
    data.update({**ROUND, "rounds-0-panel": "全省评审组"})
    assert save(hn_client, "judging", data).status_code == 302
    assert '<option value="全省评审组" selected>' in hn_client.get(URL.format("judging")).content.decode()
    assert judging_options(Campaign.objects.get()).rounds[0].panel == "全省评审组"
    assert "panel: 全省评审组" in exported()


def test_formula_preview_uses_the_servers_grammar(hn_client, draft):
    ok = hn_client.get("/builder/formula/", {"formula": "0.7 * panel + 0.3 * likes", "panel": "80", "likes": "50"})
    assert ok.json() == {"ok": True, "value": 71.0, "formula": "0.7 * panel + 0.3 * likes"}
    bad = hn_client.get("/builder/formula/", {"formula": "__import__('os')", "panel": "80", "likes": "50"}).json()
    assert bad["ok"] is False and "不合法" in bad["message_zh"]


def test_awards_save_and_export_with_their_ranks(hn_client, draft):
    data = page_data(hn_client, "awards", more=["awards"])
    data.update({"awards-0-key": "gold", "awards-0-title": "一等奖", "awards-0-count": "5", "awards-0-event": "essay",
                 "awards-1-key": "silver", "awards-1-title": "二等奖", "awards-1-count": "10",
                 "awards-1-event": "essay", "awards-1-scope": "national"})
    assert save(hn_client, "awards", data).status_code == 302
    awards = judging_options(Campaign.objects.get()).awards
    assert [(a.key, a.title, a.count, a.event, a.scope) for a in awards] == [
        ("gold", "一等奖", 5, "essay", "national"), ("silver", "二等奖", 10, "essay", "national")]
    assert "title: 二等奖" in exported()
    page = hn_client.get(URL.format("awards")).content.decode()
    assert "第 1–5 名" in page and "第 6–15 名" in page

    data = page_data(hn_client, "awards")
    data["awards-1-count"] = "zero"
    page = save(hn_client, "awards", data).content.decode()
    assert "必须是正整数" in field_errors(page, "awards-1-count")


def test_wechat_keywords_menu_and_a_push_on_the_calendar(hn_client, draft):
    data = page_data(hn_client, "wechat", more=["buttons", "buttons-0-subs", "buttons-0-subs", "pushes"])
    data.update({
        "keywords-0-word": "暑假", "keywords-0-action": "register",
        "buttons-0-name": "参加活动", "buttons-0-subs-0-name": "答题", "buttons-0-subs-0-action": "quiz",
        "buttons-0-subs-1-name": "长辈模式", "buttons-0-subs-1-url": "/prefs/elder/",
        "pushes-0-key": "daily", "pushes-0-title": "暑假每日一读", "pushes-0-audience_tag": "家长",
        "pushes-0-schedule-daily_at": "20:00", "pushes-0-schedule-from_": "2028-07-01",
        "pushes-0-schedule-to": "2028-07-03",
        "pushes-0-articles-0-title": "{day}｜今天读什么", "pushes-0-articles-0-content": "<p>第一段</p>\r\n<p>第二段</p>",
        "pushes-0-articles-0-link": "/c/hn-summer-2028/",
    })
    response = save(hn_client, "wechat", data)
    assert response.status_code == 302, re.findall(r"<li><a [^>]*><code>.*?</li>|message error.*?</p>", response.content.decode())
    options = wechat_options(Campaign.objects.get())
    assert options.wechat.keywords == {"暑假": "register"}
    (button,) = options.wechat.buttons
    assert button.name == "参加活动" and [(s.name, s.action, s.url) for s in button.sub_buttons] == [
        ("答题", "quiz", None), ("长辈模式", None, "/prefs/elder/")]
    (push,) = options.pushes
    assert push.audience_tag == "家长" and push.articles[0].content == "<p>第一段</p>\n<p>第二段</p>"
    text = exported()
    assert "daily_at: 20:00" in text and "tag: 家长" in text and "name: 长辈模式" in text
    calendar = hn_client.get(URL.format("wechat")).content.decode().split("push-calendar", 1)[1].split("</section>")[0]
    assert "2028 年 7 月" in calendar and calendar.count("20:00 暑假每日一读") == 3

    from wechat.management.commands.wechat_menu import menu_buttons
    from wechat.selectors import campaign_menu
    assert menu_buttons(Campaign.objects.get())[0]["sub_button"][0] == {"type": "click", "name": "答题", "key": "M1_1"}
    assert campaign_menu(Campaign.objects.get())["M1_1"] == "quiz"


def test_wechat_limits_are_shown_where_they_are_broken(hn_client, draft):
    data = page_data(hn_client, "wechat", more=["buttons"] * 4 + ["buttons-0-subs"] * 6 + ["pushes"])
    for i in range(4):
        data.update({f"buttons-{i}-name": f"按钮{i}", f"buttons-{i}-action": "quiz"})
    data["buttons-0-action"] = ""
    for j in range(6):
        data.update({f"buttons-0-subs-{j}-name": f"子{j}", f"buttons-0-subs-{j}-action": "quiz"})
    data.update({"pushes-0-key": "once", "pushes-0-title": "推送", "pushes-0-schedule-at": "2028-07-01T09:00",
                 "pushes-0-schedule-daily_at": "20:00", "pushes-0-articles-0-title": "文章",
                 "pushes-0-articles-0-content": "正文", "pushes-0-articles-0-link": "ftp://x"})
    page = save(hn_client, "wechat", data).content.decode()
    menu = page.split("<legend>菜单", 1)[1]
    assert "公众号菜单最多 3 个一级按钮（现有 4 个）" in menu.split("按钮 1 <span")[0]  # above the buttons
    button = menu.split("按钮 1 <span", 1)[1].split("按钮 2 <span", 1)[0]
    assert "一个菜单最多 5 个子按钮（现有 6 个）" in button
    assert "写 at（一次推送），或 daily_at + from + to" in page.split('id="push-0"', 1)[1].split("</fieldset>")[0]
    assert "http(s)://" in field_errors(page, "pushes-0-articles-0-link")
    assert "wechat" not in Campaign.objects.get().config


def test_structural_judging_edits_are_refused_once_entries_exist_but_wechat_may_change(hn_client, draft):
    from campaigns.entry_counters import register_entry_counter, unregister_entry_counter

    data = page_data(hn_client, "judging", more=["rounds"])
    data.update(ROUND)
    assert save(hn_client, "judging", data).status_code == 302
    register_entry_counter("tests.typed_steps", lambda campaign: 1)
    try:
        data = page_data(hn_client, "judging")
        data["rounds-0-rubric-0-weight"], data["rounds-0-rubric-1-weight"] = "50", "50"
        refused = save(hn_client, "judging", data)
        assert refused.status_code == 200 and "复制活动" in refused.content.decode()
        assert [c.weight for c in judging_options(Campaign.objects.get()).rounds[0].rubric] == [60, 40]
        from judging.models import Panel
        from judging.services import rounds_sync

        Panel.objects.create(campaign=draft, name="全省评审组")  # judges imported under that name
        page = hn_client.get(URL.format("judging")).content.decode()
        assert '<option value="全省评审组">' in page
        data = page_data(hn_client, "judging")
        data.update({"rounds-0-panel": "全省评审组", "rounds-0-title": "全省终评"})  # who judges; a title
        assert save(hn_client, "judging", data).status_code == 302
        assert judging_options(Campaign.objects.get()).rounds[0].panel == "全省评审组"
        assert rounds_sync(campaign=Campaign.objects.get())[0].panel.name == "全省评审组"
        data = page_data(hn_client, "wechat")
        data.update({"keywords-0-word": "读书", "keywords-0-action": "campaign"})
        assert save(hn_client, "wechat", data).status_code == 302
    finally:
        unregister_entry_counter("tests.typed_steps")


def test_the_forms_follow_the_typed_models():
    """Field kinds and defaults come from the models: a default changed there shows in the form."""
    from builder.forms.judging import CriterionForm, RoundForm
    from builder.forms.wechat import ACTIONS

    assert RoundForm.base_fields["judges_per_entry"].initial == str(
        section_model("judging", "rounds", 0).model_fields["judges_per_entry"].default)
    assert CriterionForm.base_fields["max"].initial == "10"
    assert [c for c, _ in RoundForm.base_fields["method"].widget.choices] == ["rubric", "comparative"]
    assert "reading" in ACTIONS


HOSTILE = ["-1", "abc", "1.5", "NaN", "inf", "1e309", "9223372036854775808", "1" + "0" * 30, "²", "٣", "", str(10**9)]


@pytest.mark.slow  # ~120 requests
def test_hostile_numbers_in_the_typed_steps_never_give_a_server_error(hn_client, draft):
    """Row counts, orders, weights, counts and sample scores as a hostile client might post them."""
    from django.test import Client

    from campaigns.models import User

    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="org-hn"))
    names = {"judging": ["rounds-TOTAL_FORMS", "rounds-0-ORDER", "rounds-0-judges_per_entry", "rounds-0-tolerance",
                         "rounds-0-advance_value", "rounds-0-rubric-TOTAL_FORMS", "rounds-0-rubric-0-weight",
                         "rounds-0-rubric-0-max", "sample_panel", "sample_likes"],
             "awards": ["awards-TOTAL_FORMS", "awards-0-count", "awards-0-ORDER"],
             "wechat": ["pushes-TOTAL_FORMS", "pushes-0-articles-TOTAL_FORMS", "buttons-TOTAL_FORMS",
                        "buttons-0-subs-TOTAL_FORMS", "keywords-TOTAL_FORMS"]}
    failures = []
    for step, fields in names.items():
        for value in HOSTILE:
            data = {**dict.fromkeys(fields, value), "rounds-0-key": "r", "rounds-0-advance_by": "top",
                    "awards-0-key": "a", "pushes-0-key": "p", "go": step}
            for extra in ({}, {"more": fields[0].split("-TOTAL")[0]}, {"refresh": "1"}):
                response = client.post(URL.format(step), {**data, **extra})
                if response.status_code >= 500:
                    failures.append((step, value, extra, response.status_code))
        for value in HOSTILE[:6]:
            response = client.get("/builder/formula/", {"formula": "panel * likes", "panel": value, "likes": "1e308"})
            if response.status_code >= 500 or "Infinity" in response.content.decode():
                failures.append(("formula", value))
    assert not failures, failures
