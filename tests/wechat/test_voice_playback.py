"""The voice confirmation page plays the voice message (an MP3 made by the audio pipeline)."""

import pytest

from tests.wechat.test_callback import post
from wechat.models import VoiceMessage

pytestmark = pytest.mark.django_db


def test_confirmation_page_plays_the_voice_only_for_its_family(client, corpus, campaign, follower, tasks,
                                                                fake_wechat, make_user):
    post(client, (corpus / "wechat" / "voice_amr.xml").read_text(), tasks=tasks)
    tasks.run()
    voice = VoiceMessage.objects.get()
    assert not voice.audio.name.endswith(".mp3")  # WeChat sends AMR or Speex: no browser plays those
    client.force_login(follower.user)
    page = client.get(f"/wechat/voice/{voice.id}/").content.decode()
    audio_url = f"/wechat/voice/{voice.id}/audio.mp3"
    assert f'src="{audio_url}"' in page and "<audio" in page
    response = client.get(audio_url)
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    assert body[:3] == b"ID3" or body[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")  # MP3, not AMR
    again = client.get(audio_url)
    assert b"".join(again.streaming_content) == body  # made once, then served
    client.force_login(make_user("someone-else"))
    assert client.get(audio_url).status_code == 403
