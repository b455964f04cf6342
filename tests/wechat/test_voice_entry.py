"""A WeChat voice message becomes an entry, end to end: callback → media download from the fake
API (a real AMR) → confirmation page → submissions.entry_submit → the real media pipeline."""

import pytest

from tests.wechat.conftest import OPENID
from tests.wechat.test_callback import post, reply_fields
from wechat.models import VoiceMessage
from wechat.simulator import message_xml

pytestmark = pytest.mark.django_db


def test_voice_message_to_ready_entry_through_the_pipeline(client, corpus, campaign, follower, tasks, fake_wechat):
    from events.models import Poem
    from submissions.models import Entry

    reply = reply_fields(post(client, (corpus / "wechat" / "voice_amr.xml").read_text(), tasks=tasks))
    voice = VoiceMessage.objects.get()
    assert "/wechat/voice/msg/24312345678901235/" in reply["Content"]
    tasks.run()
    voice.refresh_from_db()
    assert voice.status == "needs_confirmation" and Entry.objects.count() == 0

    client.force_login(follower.user)
    assert client.get("/wechat/voice/msg/24312345678901235/")["Location"] == f"/wechat/voice/{voice.id}/"
    page = client.get(f"/wechat/voice/{voice.id}/")
    poem = Poem.objects.get(key="jingyesi")
    assert voice.poem_hint_id == poem.id and voice.poem_id is None  # recognition only preselects
    assert page.status_code == 200 and f'value="{poem.id}" selected' in page.content.decode()
    with tasks.capture(execute=True):
        response = client.post(f"/wechat/voice/{voice.id}/", {"child": follower.user.child.id, "poem": poem.id})
    assert response.status_code == 302
    tasks.run()  # wechat.tasks.voice_submit → submissions.tasks.process_entry
    voice.refresh_from_db()
    entry = Entry.objects.get()
    assert voice.status == "submitted" and voice.entry_id == entry.id
    assert entry.channel == "wechat_voice" and entry.poem == poem and entry.child == follower.user.child
    assert entry.status == "ready", (entry.reason_code, entry.message_en)
    assert 10 < entry.duration_s < 20 and entry.playback and entry.waveform
    with entry.original.open("rb") as original:
        head = original.read(6)
    assert head in (b"#!AMR\n", b"OggS\x00\x02")  # the original bytes as WeChat served them
    # a second POST cannot submit it twice
    again = client.post(f"/wechat/voice/{voice.id}/", {"child": follower.user.child.id, "poem": poem.id})
    assert again.status_code in (200, 302) and Entry.objects.count() == 1


def test_single_poem_single_child_submits_without_asking(client, campaign, follower, tasks, fake_wechat):
    from events.models import Event
    from submissions.models import Entry

    event = Event.objects.get(slug="recite")
    event.poems.remove(event.poems.get(key="chunxiao"))
    reply = reply_fields(post(client, message_xml("voice", OPENID, media_id="demoVoice1"), tasks=tasks))
    assert "草稿" in reply["Content"]
    tasks.run()
    entry = Entry.objects.get()
    assert entry.status == "ready" and entry.channel == "wechat_voice"
    assert entry.original.open("rb").read(6) == b"#!AMR\n"


def test_unlinked_follower_gets_login_link_and_voice_is_kept(client, campaign, tasks, fake_wechat):
    reply = reply_fields(post(client, message_xml("voice", "oStranger00000000000000000001", media_id="demoV2"), tasks=tasks))
    assert "/wechat/oauth/start/" in reply["Content"] and "next=%2Fwechat%2Fvoice%2F" in reply["Content"]
    tasks.run()
    voice = VoiceMessage.objects.get()
    assert voice.status == "needs_confirmation" and voice.audio  # downloaded at once even before login


def test_expired_media_recorded_with_explanation(client, campaign, follower, tasks, fake_wechat):
    post(client, message_xml("voice", OPENID, media_id="expired-123"), tasks=tasks)
    tasks.run()
    voice = VoiceMessage.objects.get()
    assert voice.status == "failed" and "40007" in voice.error and "3 天" in voice.error


def test_no_open_event_says_so(client, campaign, follower, tasks):
    campaign.stages.filter(kind="entries_open").delete()
    reply = reply_fields(post(client, message_xml("voice", OPENID, media_id="demoV3"), tasks=tasks))
    assert "没有正在征集" in reply["Content"] and VoiceMessage.objects.count() == 0


def test_other_family_cannot_open_the_confirmation(client, campaign, follower, tasks, fake_wechat, make_user):
    post(client, message_xml("voice", OPENID, media_id="demoV4"), tasks=tasks)
    client.force_login(make_user("13700000000", phone="13700000000"))
    assert client.get(f"/wechat/voice/{VoiceMessage.objects.get().id}/").status_code == 403


def test_jssdk_upload_voice_endpoint(client, campaign, follower, tasks, fake_wechat):
    from events.models import Event, Poem
    from submissions.models import Entry

    client.force_login(follower.user)
    with tasks.capture(execute=True):
        response = client.post("/wechat/jssdk/voice/", {"server_id": "jsServerId1", "child": follower.user.child.id,
                                                        "poem": Poem.objects.get(key="chunxiao").id,
                                                        "event": Event.objects.get(slug="recite").id})
    assert response.status_code == 200
    tasks.run()
    assert fake_wechat.calls("/cgi-bin/media/get/jssdk") == 1
    entry = Entry.objects.get()
    assert entry.status == "ready", entry.message_en
    assert entry.original.open("rb").read(4) == b"OggS"  # 16 kHz Speex from media/get/jssdk
