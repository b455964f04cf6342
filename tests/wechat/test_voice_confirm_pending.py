"""After the family confirms a voice message, the page says it is being submitted (and refreshes)
instead of showing the form again in the "waiting for the family" state."""

import pytest

from tests.wechat.test_callback import post
from wechat.models import VoiceMessage

pytestmark = pytest.mark.django_db


def test_confirmed_voice_shows_submitting_until_the_worker_is_done(client, corpus, campaign, follower, tasks,
                                                                   fake_wechat):
    from events.models import Poem

    post(client, (corpus / "wechat" / "voice_amr.xml").read_text(), tasks=tasks)
    tasks.run()
    voice = VoiceMessage.objects.get()
    client.force_login(follower.user)
    url = f"/wechat/voice/{voice.id}/"
    assert 'name="child"' in client.get(url).content.decode()
    poem = Poem.objects.get(key="jingyesi")
    with tasks.capture(execute=True):
        response = client.post(url, {"child": follower.user.child.id, "poem": poem.id})
    assert response.status_code == 302  # the worker has not run yet
    page = client.get(url)
    html = page.content.decode()
    assert 'name="child"' not in html and "正在提交" in html and page["Refresh"] == "3"
    assert 'name="child"' in client.get(url + "?change=1").content.decode()  # still changeable
    tasks.run()
    done = client.get(url)
    assert "已提交为作品" in done.content.decode() and not done.has_header("Refresh")
