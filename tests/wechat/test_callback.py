"""The callback with real signed (and encrypted) deliveries: every corpus payload gets its verdict."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.wechat.conftest import AES_KEY, APP_ID, OPENID, TOKEN
from wechat import crypto
from wechat.models import Follower, InboundMessage, Push, VoiceMessage
from wechat.simulator import sign_delivery

pytestmark = pytest.mark.django_db

URL = "/wechat/callback/"


def fresh(xml: str) -> str:
    """Corpus bodies carry a 2023 CreateTime: the dedup key uses it, the freshness check uses the query."""
    return xml


def post(client, xml: str, *, safe: bool = False, timestamp: int | None = None, signed=None, tasks=None):
    signed = signed or sign_delivery(xml, safe=safe, timestamp=timestamp, openid=OPENID)
    def send():
        return client.post(signed.url(URL), data=signed.body, content_type="text/xml")
    if tasks is not None:
        with tasks.capture(execute=True):
            response = send()
        tasks.run("wechat.tasks.inbound_drain")  # the effects are applied by the drain task
        return response
    return send()


def reply_fields(response, *, safe: bool = False) -> dict:
    body = response.content.decode()
    if body == "success":
        return {}
    fields = crypto.parse_xml(body)
    if safe:
        plain = crypto.crypto_for(TOKEN, AES_KEY, APP_ID).decrypt_message(
            body, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
        fields = crypto.parse_xml(plain)
    return fields


def test_url_check_echoes_echostr(client):
    ts, nonce = str(int(time.time())), "42"
    response = client.get(URL, {"signature": crypto.sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
                                "echostr": "8237401983749"})
    assert response.status_code == 200 and response.content == b"8237401983749"
    bad = client.get(URL, {"signature": "0" * 40, "timestamp": ts, "nonce": nonce, "echostr": "x"})
    assert bad.status_code == 403


def test_text_keyword_replies_quiz_link(client, corpus, campaign, tasks):
    response = post(client, (corpus / "wechat" / "text_keyword.xml").read_text(), tasks=tasks)
    reply = reply_fields(response)
    assert response.status_code == 200
    assert reply["MsgType"] == "text" and reply["ToUserName"] == OPENID and reply["FromUserName"] == "gh_0123456789ab"
    from events.models import Event

    quiz = Event.objects.get(slug="quiz")
    assert "诗词答题" in reply["Content"] and f"/events/quiz/{quiz.id}/" in reply["Content"]
    assert InboundMessage.objects.filter(dedup_key="msg:24312345678901234").exists()


def test_register_and_unknown_keywords(client, campaign, tasks):
    from wechat.simulator import message_xml

    reply = reply_fields(post(client, message_xml("text", OPENID, text="报名"), tasks=tasks))
    assert "报名" in reply["Content"] and "tongyin-test" in reply["Content"]
    reply = reply_fields(post(client, message_xml("text", OPENID, text="你好"), tasks=tasks))
    assert "答题" in reply["Content"] and "我的作品" in reply["Content"]


def test_safe_mode_round_trip(client, corpus, campaign, tasks):
    response = post(client, (corpus / "wechat" / "text_keyword.xml").read_text(), safe=True, tasks=tasks)
    assert response.status_code == 200
    raw = crypto.parse_xml(response.content)
    assert set(raw) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}  # the reply is encrypted
    assert crypto.sign(TOKEN, raw["TimeStamp"], raw["Nonce"], raw["Encrypt"]) == raw["MsgSignature"]
    assert "/events/quiz/" in reply_fields(response, safe=True)["Content"]


def test_safe_mode_bad_msg_signature_is_403_and_stores_nothing(client, corpus, campaign):
    signed = sign_delivery((corpus / "wechat" / "text_keyword.xml").read_text(), safe=True)
    signed.query["msg_signature"] = "0" * 40
    response = post(client, "", signed=signed)
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0


def test_voice_creates_draft_and_replies_with_confirmation_link(client, corpus, campaign, follower, tasks, fake_wechat):
    response = post(client, (corpus / "wechat" / "voice_amr.xml").read_text(), tasks=tasks)
    reply = reply_fields(response)
    voice = VoiceMessage.objects.get()
    assert "/wechat/voice/msg/24312345678901235/" in reply["Content"]
    assert voice.media_id == "Q8gGX3p0a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ"
    assert voice.media_id_16k == "R9hHY4q1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz01"
    assert voice.child_id == follower.user.child.id  # the only child is chosen; the poem is asked
    assert "wechat.tasks.voice_fetch" in tasks.names()  # fetched at once, in a task
    tasks.run("wechat.tasks.voice_fetch")
    voice.refresh_from_db()
    assert voice.status == VoiceMessage.Status.NEEDS_CONFIRMATION
    assert voice.audio.open("rb").read(5) in (b"#!AMR", b"OggS\x00")
    assert fake_wechat.calls("/cgi-bin/media/get") >= 1


def test_subscribe_with_library_scene_attributes_follower(client, corpus, campaign, tasks):
    response = post(client, (corpus / "wechat" / "subscribe_qrscene.xml").read_text(), tasks=tasks)
    reply = reply_fields(response)
    follower = Follower.objects.get(openid=OPENID)
    assert follower.subscribed and follower.library.code == "P-HN"
    assert "感谢关注" in reply["Content"] and follower.library.name in reply["Content"]


def test_scan_attributes_only_unattributed(client, campaign, tasks, libraries):
    from wechat.simulator import message_xml

    post(client, message_xml("scan", OPENID, key="lib-C-HN-CS"), tasks=tasks)
    assert Follower.objects.get(openid=OPENID).library.code == "C-HN-CS"
    post(client, message_xml("scan", OPENID, key="lib-P-HE"), tasks=tasks)
    assert Follower.objects.get(openid=OPENID).library.code == "C-HN-CS"


def test_click_menu_lists_entries_or_asks_to_log_in(client, corpus, campaign, tasks):
    response = post(client, (corpus / "wechat" / "click_menu.xml").read_text(), tasks=tasks)
    content = reply_fields(response)["Content"]
    assert "登录" in content and "/wechat/oauth/start/" in content


def test_click_menu_with_linked_follower_lists_entries(client, corpus, campaign, follower, tasks):
    from django.core.files.base import ContentFile

    from events.models import Event
    from submissions.models import Entry

    entry = Entry(event=Event.objects.get(slug="recite"), child=follower.user.child, library=follower.user.child.library,
                  kind="audio", status="rejected", message_zh="录音只有 0.4 秒", channel="upload")
    entry.original.save("x.mp3", ContentFile(b"x"), save=False)
    entry.save()
    content = reply_fields(post(client, (corpus / "wechat" / "click_menu.xml").read_text(), tasks=tasks))["Content"]
    assert "小花" in content and "未通过" in content


def test_unsubscribe_marks_follower_and_sends_no_content(client, corpus, follower, tasks):
    response = post(client, (corpus / "wechat" / "unsubscribe.xml").read_text(), tasks=tasks)
    assert response.status_code == 200 and response.content == b"success"
    follower.refresh_from_db()
    assert not follower.subscribed and follower.unsubscribed_at is not None


def test_mass_and_publish_results_update_the_push(client, corpus, libraries, tasks):
    mass = Push.objects.create(library=libraries["NLC"], title="每日一诗", status="submitted", msg_id="1000001625")
    published = Push.objects.create(library=libraries["NLC"], title="活动公告", status="submitted", publish_id="2247483897")
    post(client, (corpus / "wechat" / "masssendjobfinish.xml").read_text(), tasks=tasks)
    post(client, (corpus / "wechat" / "publishjobfinish.xml").read_text(), tasks=tasks)
    mass.refresh_from_db()
    published.refresh_from_db()
    assert (mass.status, mass.total_count, mass.sent_count, mass.error_count) == ("done", 40210, 39870, 130)
    assert published.status == "done" and published.article_url == "https://mp.weixin.qq.com/s/example"


@pytest.mark.parametrize("name,status", [("bad_malformed.xml", 400), ("bad_xxe.xml", 400), ("bad_billion_laughs.xml", 400)])
def test_hostile_payloads_refused_nothing_stored(client, corpus, name, status):
    client.get(URL)  # the process's first request loads the URLconf and views: not part of the refusal's time
    started = time.perf_counter()
    response = post(client, (corpus / "wechat" / name).read_text())
    assert response.status_code == status
    assert time.perf_counter() - started < 1
    assert InboundMessage.objects.count() == 0 and Follower.objects.count() == 0
    assert b"root:" not in response.content


def test_bad_signature_and_stale_timestamp_are_403(client, corpus):
    body = (corpus / "wechat" / "subscribe_qrscene.xml").read_text()
    signed = sign_delivery(body)
    signed.query["signature"] = "f" * 40
    assert post(client, body, signed=signed).status_code == 403
    assert post(client, body, timestamp=int(time.time()) - 301).status_code == 403
    assert InboundMessage.objects.count() == 0 and Follower.objects.count() == 0


def test_replay_of_captured_request_after_five_minutes_refused(client, corpus, campaign, tasks):
    body = (corpus / "wechat" / "text_keyword.xml").read_text()
    old = sign_delivery(body, timestamp=int(time.time()) - 400)
    assert post(client, body, signed=old).status_code == 403


@pytest.mark.parametrize("name", ["text_keyword.xml", "voice_amr.xml", "subscribe_qrscene.xml", "click_menu.xml",
                                  "unsubscribe.xml"])
def test_retries_processed_exactly_once(client, corpus, campaign, follower, tasks, name):
    body = (corpus / "wechat" / name).read_text()
    signed = sign_delivery(body)
    responses = [post(client, body, signed=signed, tasks=tasks) for _ in range(3)]
    assert InboundMessage.objects.count() == 1
    assert VoiceMessage.objects.count() == (1 if name == "voice_amr.xml" else 0)
    assert tasks.names().count("wechat.tasks.voice_fetch") == (1 if name == "voice_amr.xml" else 0)
    assert len({reply_fields(r).get("Content") for r in responses}) == 1  # a retry gets the same answer


@pytest.mark.slow  # a server in a thread or a process
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_are_deduplicated(live_server, corpus, settings):
    import requests
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Django's live server hands its threads the test's one in-memory SQLite connection, so four
        # "concurrent" requests share one connection and its transaction state: not the separate
        # connections this test is about. CI's second run (PostgreSQL) runs it for real.
        pytest.skip("needs a connection per request thread (PostgreSQL)")

    body = (corpus / "wechat" / "subscribe_qrscene.xml").read_text()
    signed = sign_delivery(body)
    url = live_server.url + URL
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda _: requests.post(signed.url(url), data=body.encode(), timeout=10).status_code,
                              range(4)))
    assert codes == [200] * 4
    assert InboundMessage.objects.count() == 1
    from wechat.services.inbound import inbound_drain

    assert inbound_drain() == 1 and inbound_drain() == 0
    assert Follower.objects.count() == 1


def test_missing_fields_are_400(client):
    assert post(client, "<xml><MsgType>text</MsgType></xml>").status_code == 400


def test_subscribe_message_events_record_consent(client, follower, tasks):
    body = (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
            "<CreateTime>1700000700</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent>"
            "<List><TemplateId><![CDATA[tplA]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>"
            "<PopupScene>2</PopupScene></List><List><TemplateId><![CDATA[tplB]]></TemplateId>"
            "<SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"
            "</SubscribeMsgPopupEvent></xml>")
    assert post(client, body, tasks=tasks).content == b"success"
    consents = dict(follower.subscribe_consents.values_list("template_id", "accepted"))
    assert consents == {"tplA": True, "tplB": False}
