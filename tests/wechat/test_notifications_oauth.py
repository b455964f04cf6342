"""Notification delivery through the port, web OAuth login, the signed login link and JS-SDK."""

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from campaigns.models import Notice
from campaigns.notifications import Notification, channels, notify
from tests.wechat.conftest import APP_ID, OPENID
from wechat.models import Follower, MessageTemplate, NotificationDelivery, SubscribeConsent

pytestmark = pytest.mark.django_db


def test_channel_registered_at_startup():
    assert "wechat" in channels() and "site" in channels()


def test_template_message_delivered_and_result_tracked(follower, fake_wechat, tasks, client):
    MessageTemplate.objects.create(kind="entry_accepted", template_id="TPL_ACCEPTED",
                                   fields={"thing1": "title", "time2": "date"})
    with tasks.capture(execute=True):
        notify(Notification(user_id=follower.user_id, kind="entry_accepted", title="作品已通过审核：静夜思（小花）的朗读作品",
                            url="/entries/5/"))
    assert Notice.objects.filter(user=follower.user).count() == 1  # the site notice is always there
    tasks.run()
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == "sent" and delivery.msgid
    sent = fake_wechat.requests("/cgi-bin/message/template/send")[0]["body"]
    assert sent["touser"] == OPENID and sent["template_id"] == "TPL_ACCEPTED"
    assert len(sent["data"]["thing1"]["value"]) <= 20 and sent["url"] == "http://testserver/entries/5/"
    # WeChat reports delivery with TEMPLATESENDJOBFINISH
    from tests.wechat.test_callback import post

    xml = (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
           f"<CreateTime>1700000900</CreateTime><MsgType><![CDATA[event]]></MsgType>"
           f"<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>{delivery.msgid}</MsgID>"
           "<Status><![CDATA[success]]></Status></xml>")
    post(client, xml, tasks=tasks)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_family_without_wechat_gets_only_site_notice(guardian, tasks):
    with tasks.capture(execute=True):
        notify(Notification(user_id=guardian.id, kind="entry_rejected", title="录音太短"))
    assert Notice.objects.filter(user=guardian).count() == 1
    assert NotificationDelivery.objects.count() == 0 and tasks.pending == []


def test_subscribe_message_needs_consent(follower, fake_wechat, tasks):
    MessageTemplate.objects.create(kind="entry_won", style="subscribe", template_id="SUB_TPL")
    with tasks.capture(execute=True):
        notify(Notification(user_id=follower.user_id, kind="entry_won", title="获奖"))
    tasks.run()
    assert NotificationDelivery.objects.get().status == "skipped"
    SubscribeConsent.objects.create(follower=follower, template_id="SUB_TPL", accepted=True)
    with tasks.capture(execute=True):
        notify(Notification(user_id=follower.user_id, kind="entry_won", title="获奖"))
    tasks.run()
    assert NotificationDelivery.objects.filter(status="sent").count() == 1
    assert fake_wechat.calls("/cgi-bin/message/subscribe/bizsend") == 1


def test_unfollowed_user_error_marks_follower(follower, fake_wechat, tasks):
    MessageTemplate.objects.create(kind="entry_accepted", template_id="TPL")
    fake_wechat.fail("/cgi-bin/message/template/send", 43004)
    with tasks.capture(execute=True):
        notify(Notification(user_id=follower.user_id, kind="entry_accepted", title="t"))
    tasks.run()
    follower.refresh_from_db()
    assert not follower.subscribed and NotificationDelivery.objects.get().error_code == 43004


def _oauth(client, fake_wechat, next_url="/family/", openid="oNewParent000000000000000001", ua="MicroMessenger/8.0"):
    start = client.get("/accounts/login/", {"next": next_url}, HTTP_USER_AGENT=f"Mozilla/5.0 {ua}")
    assert start.status_code == 302 and start["Location"].startswith("/wechat/oauth/start/")
    authorize = client.get(start["Location"])
    location = urlsplit(authorize["Location"])
    params = parse_qs(location.query)
    assert location.path == "/connect/oauth2/authorize" and params["appid"] == [APP_ID]
    assert params["scope"] == ["snsapi_base"] and authorize["Location"].endswith("#wechat_redirect")
    code = fake_wechat.oauth_code(openid)
    return client.get("/wechat/oauth/callback/", {"code": code, "state": params["state"][0]})


def test_oauth_in_wechat_creates_a_guardian_account(client, fake_wechat):
    response = _oauth(client, fake_wechat)
    assert response["Location"].startswith("/wechat/link/")
    response = client.post(response["Location"], {"choice": "new", "next": "/family/"})
    assert response.status_code == 302 and response["Location"] == "/family/"
    follower = Follower.objects.get(openid="oNewParent000000000000000001")
    assert follower.user is not None and follower.unionid.startswith("uFake")
    assert client.get("/family/").status_code == 200


def test_oauth_links_an_existing_account(client, fake_wechat, guardian):
    response = _oauth(client, fake_wechat)
    response = client.post(response["Location"], {"choice": "existing", "next": "/family/"})
    assert "/accounts/login/" in response["Location"] and "password=1" in response["Location"]
    client.force_login(guardian)
    complete = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert client.get(complete)["Location"] == "/family/"
    assert Follower.objects.get(openid="oNewParent000000000000000001").user == guardian


def test_oauth_known_follower_logs_straight_in_and_code_is_single_use(client, fake_wechat, follower):
    response = _oauth(client, fake_wechat, openid=OPENID)
    assert response["Location"] == "/family/"
    assert client.session["_auth_user_id"] == str(follower.user_id)


def test_outside_wechat_the_login_page_stays(client):
    assert client.get("/accounts/login/", HTTP_USER_AGENT="Mozilla/5.0 Chrome").status_code == 200


def test_bad_state_and_used_code(client, fake_wechat):
    assert client.get("/wechat/oauth/callback/", {"code": "x", "state": "forged"}).status_code == 400
    code = fake_wechat.oauth_code("oX")
    client.get("/wechat/oauth/start/")
    state = client.session["wechat_oauth"]["state"]
    client.get("/wechat/oauth/callback/", {"code": code, "state": state})
    client.logout()
    client.get("/wechat/oauth/start/")
    state = client.session["wechat_oauth"]["state"]
    response = client.get("/wechat/oauth/callback/", {"code": code, "state": state})
    assert response.status_code == 400 and "授权码已使用".encode() in response.content


def test_signed_login_link_for_subscription_accounts(client, settings, follower):
    from wechat.tokens import login_link

    settings.WECHAT_ACCOUNT_TYPE = "subscription"
    link = login_link(follower.openid, "/family/")
    assert "/wechat/login/" in link
    path = urlsplit(link).path
    response = client.get(path)
    assert response["Location"] == "/family/" and client.session["_auth_user_id"] == str(follower.user_id)
    client.logout()
    assert client.get(path).status_code == 403  # works once
    assert client.get(path[:-5] + "AAAA/").status_code == 403  # forged


def test_jssdk_signature(client, fake_wechat):
    response = client.get("/wechat/jssdk/signature/", {"url": "http://testserver/entries/record/#x"})
    data = response.json()
    ticket = fake_wechat.requests("/cgi-bin/ticket/getticket")
    assert response.status_code == 200 and len(ticket) == 1
    assert client.get("/wechat/jssdk/signature/", {"url": "http://testserver/entries/record/"}).status_code == 200
    assert len(fake_wechat.requests("/cgi-bin/ticket/getticket")) == 1  # ticket cached
    from django.core.cache import cache

    cached = cache.get(f"wechat:{APP_ID}:jsapi_ticket")
    raw = f"jsapi_ticket={cached}&noncestr={data['nonceStr']}&timestamp={data['timestamp']}&url=http://testserver/entries/record/"
    assert data["signature"] == hashlib.sha1(raw.encode()).hexdigest()
    assert client.get("/wechat/jssdk/signature/", {"url": "http://evil.example/"}).status_code == 400


def test_snsapi_userinfo_fetches_the_nickname(client, fake_wechat):
    from urllib.parse import parse_qs, urlsplit

    authorize = client.get("/wechat/oauth/start/", {"next": "/family/", "scope": "snsapi_userinfo"})
    params = parse_qs(urlsplit(authorize["Location"]).query)
    assert params["scope"] == ["snsapi_userinfo"]
    code = fake_wechat.oauth_code("oProfile00000000000000000001", scope="snsapi_userinfo")
    response = client.get("/wechat/oauth/callback/", {"code": code, "state": params["state"][0]})
    client.post(response["Location"], {"choice": "new", "next": "/family/"})
    follower = Follower.objects.get(openid="oProfile00000000000000000001")
    assert follower.nickname == "微信家长" and follower.user.display_name == "微信家长"
    assert fake_wechat.calls("/sns/userinfo") == 1


def test_subscription_account_replies_carry_a_signed_link(client, settings, campaign, tasks):
    from tests.wechat.test_callback import post, reply_fields
    from wechat.simulator import message_xml

    settings.WECHAT_ACCOUNT_TYPE = "subscription"
    content = reply_fields(post(client, message_xml("text", OPENID, text="我的作品"), tasks=tasks))["Content"]
    assert "/wechat/login/" in content and "/wechat/oauth/" not in content
    assert client.get("/wechat/oauth/start/").status_code == 200  # explains how to log in instead
