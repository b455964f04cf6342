"""Pushes: composing, sanitising, the campaign file's daily pushes, sending through the fake API,
preview to testers, quota errors shown with what to do, and status tracked from result events."""

import datetime as dt

import pytest
from django.utils import timezone

from wechat import tasks as wx_tasks
from wechat.models import Follower, Push
from wechat.services.pushes import push_create, push_result_mass, push_result_publish, pushes_sync_from_campaign

pytestmark = pytest.mark.django_db


def make_push(libraries, **extra):
    return push_create(
        library=libraries["P-HN"], title="春节诵读", scheduled_at=timezone.now() - dt.timedelta(minutes=1),
        articles=[{"title": "今日一诗", "author": "湖南图书馆", "digest": "静夜思",
                   "content": '<p onclick="x()">床前明月光<script>alert(1)</script></p>'
                              '<img src="/static/wechat/demo-banner.png"><a href="javascript:alert(1)">x</a>',
                   "link": "http://testserver/c/tongyin-test/"}],
        **extra,
    )


def test_content_is_sanitised(libraries):
    article = make_push(libraries).articles.get()
    assert "<script" not in article.content and "onclick" not in article.content and "javascript:" not in article.content
    assert "床前明月光" in article.content


def test_mass_send_through_fake_api_and_result_event(libraries, fake_wechat, settings):
    push = make_push(libraries)
    assert wx_tasks.pushes_send_due() == [push.id]
    push.refresh_from_db()
    assert push.status == Push.Status.SUBMITTED and push.msg_id and push.draft_media_id
    draft = fake_wechat.requests("/cgi-bin/draft/add")[0]["body"]["articles"][0]
    assert draft["thumb_media_id"]  # a cover was generated and uploaded
    assert "mmbiz.qpic.cn" in draft["content"]  # the local body image was uploaded to WeChat
    sendall = fake_wechat.requests("/cgi-bin/message/mass/sendall")[0]["body"]
    assert sendall["filter"] == {"is_to_all": True} and sendall["clientmsgid"] == f"shuxiang-push-{push.id}"
    assert wx_tasks.pushes_send_due() == []  # claimed once
    push_result_mass(msg_id=push.msg_id, status="send success", total=10, sent=9, errors=1)
    push.refresh_from_db()
    assert push.status == Push.Status.DONE and push.sent_count == 9


def test_tag_audience_uses_tag_id(libraries, fake_wechat):
    push = make_push(libraries, audience_tag="家长")
    wx_tasks.pushes_send_due()
    sendall = fake_wechat.requests("/cgi-bin/message/mass/sendall")[0]["body"]
    assert sendall["filter"] == {"is_to_all": False, "tag_id": 100}
    push.refresh_from_db()
    assert push.status == Push.Status.SUBMITTED


def test_subscription_account_publishes(libraries, fake_wechat, settings):
    settings.WECHAT_ACCOUNT_TYPE = "subscription"
    push = make_push(libraries)
    wx_tasks.pushes_send_due()
    push.refresh_from_db()
    assert push.publish_id and fake_wechat.calls("/cgi-bin/freepublish/submit") == 1
    push_result_publish(publish_id=push.publish_id, publish_status=0, article_url="https://mp.weixin.qq.com/s/x")
    push.refresh_from_db()
    assert push.status == Push.Status.DONE and push.article_url.endswith("/s/x")


@pytest.mark.parametrize("errcode,final", [(45009, "failed"), (48001, "failed"), (45011, "scheduled")])
def test_quota_errors_recorded_with_what_to_do(libraries, fake_wechat, errcode, final):
    push = make_push(libraries)
    fake_wechat.fail("/cgi-bin/message/mass/sendall", errcode)
    wx_tasks.pushes_send_due()
    push.refresh_from_db()
    assert push.status == final and push.error_code == errcode
    assert str(errcode) in push.error_message and "/" in push.error_message  # Chinese / English


def test_preview_goes_to_test_followers(libraries, fake_wechat):
    Follower.objects.create(openid="oTester1", subscribed=True, is_tester=True)
    Follower.objects.create(openid="oOther", subscribed=True)
    push = make_push(libraries)
    outcome = wx_tasks.push_preview(push.id)
    assert outcome == {"oTester1": "ok"}
    assert [r["body"]["touser"] for r in fake_wechat.requests("/cgi-bin/message/mass/preview")] == ["oTester1"]
    push.refresh_from_db()
    assert push.preview_sent_at and push.status == Push.Status.SCHEDULED  # preview does not send


def test_campaign_file_daily_push_sync_is_idempotent(libraries):
    from campaigns.models import Campaign

    campaign = Campaign.objects.create(slug="guonian", title="网络书香过大年", lead_library=libraries["NLC"], config={
        "pushes": [{"key": "daily-poem", "title": "每日一诗 {day}", "audience": "all",
                    "schedule": {"daily_at": "08:00", "from": "2027-02-05", "to": "2027-02-07"},
                    "articles": [{"title": "每日一诗", "digest": "{date}", "content": "<p>春眠不觉晓</p>"}]},
                   {"key": "launch", "title": "活动上线", "audience": {"tag": "100"},
                    "schedule": {"at": "2027-02-01T10:00:00+08:00"},
                    "articles": [{"title": "活动上线", "content": "<p>欢迎</p>"}]}],
    })
    assert pushes_sync_from_campaign(campaign)["created"] == 4
    assert pushes_sync_from_campaign(campaign) == {"created": 0, "updated": 0, "unchanged": 4, "kept_sent": 0}
    first = Push.objects.get(key="daily-poem@2027-02-05")
    assert first.title == "每日一诗 2月5日" and first.status == "scheduled"
    assert first.scheduled_at == dt.datetime(2027, 2, 5, 0, 0, tzinfo=dt.UTC)  # 08:00 Beijing
    assert Push.objects.get(key="launch").audience_tag == "100"
    Push.objects.filter(key="launch").update(status="submitted")
    campaign.config["pushes"][1]["title"] = "changed"
    campaign.config["pushes"][0]["articles"][0]["content"] = "<p>处处闻啼鸟</p>"
    campaign.save()
    counts = pushes_sync_from_campaign(campaign)
    assert counts == {"created": 0, "updated": 3, "unchanged": 0, "kept_sent": 1}
    assert Push.objects.get(key="launch").title == "活动上线"  # a sent push is never rewritten


def test_sync_command(libraries, capsys):
    from django.core.management import call_command

    from campaigns.models import Campaign

    Campaign.objects.create(slug="c1", title="t", lead_library=libraries["NLC"], config={"pushes": [
        {"key": "k", "title": "t", "schedule": {"at": "2027-02-01 09:00"}, "articles": [{"title": "a", "content": "b"}]}]})
    call_command("wechat_sync_pushes", "c1")
    assert "created 1" in capsys.readouterr().out
    assert Push.objects.get(key="k").scheduled_at == dt.datetime(2027, 2, 1, 1, 0, tzinfo=dt.UTC)
