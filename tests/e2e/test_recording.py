"""A child records a recitation in headless Chromium (fake microphone fed with a corpus recording),
listens back, submits, watches the live progress and gets a playable, processed recording.
And without JavaScript the plain upload form works."""

import subprocess

import pytest

from config.ffmpeg import ffmpeg_path
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, wait_js

pytestmark = pytest.mark.e2e

SEED = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from campaigns.models import User
from tests.submissions.conftest import make_contest, make_family, make_tree

def make_user(username, phone=None, password="Shuxiang-2027", **extra):
    return User.objects.create_user(username=username, phone=phone, password=password, **extra)

tree = make_tree()
campaign, events = make_contest(tree)
from submissions.readings import demo_readings_load
demo_readings_load()  # the organizer's model reading (范读), through the audio pipeline
guardian, child = make_family(make_user, tree)
session = SessionStore()
session[SESSION_KEY] = str(guardian.pk)
session[BACKEND_SESSION_KEY] = "campaigns.auth.PhoneOrUsernameBackend"
session[HASH_SESSION_KEY] = guardian.get_session_auth_hash()
session.save()
print("SEED", events["recitation"].pk, events["poem"].pk, session.session_key)
"""


def seed(server):
    line = [x for x in server.shell(SEED).splitlines() if x.startswith("SEED")][0]
    _, event_id, poem_id, session_key = line.split()
    return event_id, poem_id, session_key


def test_record_listen_submit_and_see_it_ready(server, corpus, tmp_path, browser):
    fake = tmp_path / "fake-mic.wav"
    subprocess.run([ffmpeg_path(), "-v", "error", "-i", str(corpus / "audio" / "jingyesi_16k_mono.wav"),
                    "-ar", "48000", "-ac", "1", "-c:a", "pcm_s16le", str(fake)], check=True)
    server.start(worker=True)
    event_id, poem_id, session_key = seed(server)
    mic_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-audio-capture={fake}", "--autoplay-policy=no-user-gesture-required"])
    try:
        context = mic_browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
        context.grant_permissions(["microphone"], origin=server.url)
        context.add_cookies([{"name": "sessionid", "value": session_key, "url": server.url}])
        page = context.new_page()
        page.goto(f"{server.url}/entries/event/{event_id}/submit/")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.get_by_label("选择诗词").select_option(poem_id)
        page.locator("#poem-text").get_by_text("床前明月光").wait_for()
        # The model reading: a visible player, played from the keyboard (Tab to the button, Enter).
        reading = page.locator("#poem-text audio.reading-audio")
        assert reading.is_visible() and reading.get_attribute("controls") is not None
        page.get_by_role("button", name="听范读").focus()
        page.keyboard.press("Enter")
        wait_js(page, "document.querySelector('#poem-text audio.reading-audio').currentTime > 0.5", timeout=20000)
        assert page.get_by_role("button", name="暂停").is_visible()
        page.get_by_role("button", name="开始录音").click()
        # Recording pauses the model reading (it must not play into the child's recording).
        wait_js(page, "document.querySelector('#poem-text audio.reading-audio').paused", timeout=5000)
        page.get_by_role("button", name="停止").wait_for()
        wait_js(page, "document.getElementById('rec-level').value > 0.01", timeout=10000)
        wait_js(page, "document.getElementById('rec-elapsed').textContent >= '0:06'", timeout=20000)
        page.get_by_role("button", name="停止").click()
        playback = page.locator("#rec-playback")
        playback.wait_for(state="visible")
        assert page.get_by_role("button", name="重新录音").is_visible()
        page.get_by_role("button", name="提交作品").click()
        progress = page.locator("#entry-progress")
        progress.wait_for(state="visible", timeout=20000)
        wait_js(page, "document.getElementById('entry-progress').dataset.state === 'ready'", timeout=90000)
        assert "已完成" in progress.locator("[data-status]").inner_text()
        audio = progress.locator("[data-media] audio")
        audio.wait_for()
        duration = page.evaluate("""() => new Promise((resolve, reject) => {
            const a = document.querySelector('#entry-progress [data-media] audio');
            if (a.readyState >= 1) { resolve(a.duration); return; }
            a.addEventListener('loadedmetadata', () => resolve(a.duration));
            a.addEventListener('error', () => reject('media error ' + (a.error && a.error.code)));
            a.load();
        })""")
        assert duration > 3
        src = audio.get_attribute("src")
        assert src.startswith("/entries/media/")
        info = page.evaluate("(u) => fetch(u).then(r => [r.status, r.headers.get('content-type')])", src)
        assert info == [200, "audio/mpeg"]
    finally:
        mic_browser.close()
    out = server.shell("from submissions.models import Entry; e = Entry.objects.get(); "
                       "print('ENTRY', e.status, e.channel, e.duration_s, bool(e.original_sha256), e.original_name)")
    line = [x for x in out.splitlines() if x.startswith("ENTRY")][0]
    _, status, channel, seconds, has_sha, name = line.split()
    assert (status, channel, has_sha) == ("ready", "web", "True") and float(seconds) > 3
    assert name.startswith("recording.")


def test_without_javascript_the_upload_form_works(server, corpus, browser):
    server.start(worker=True)
    event_id, poem_id, session_key = seed(server)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    try:
        context.add_cookies([{"name": "sessionid", "value": session_key, "url": server.url}])
        page = context.new_page()
        page.goto(f"{server.url}/entries/event/{event_id}/submit/")
        assert page.locator("#recorder").is_hidden()
        page.get_by_label("选择诗词").select_option(poem_id)
        page.get_by_label("上传录音文件").set_input_files(str(corpus / "audio" / "yonge_phone.m4a"))
        page.get_by_role("button", name="提交作品").click()
        page.wait_for_url("**/entries/*/")
        # The page refreshes itself (meta refresh) until processing is done.
        page.locator("#entry-live[data-state='ready']").wait_for(timeout=90000)
        assert page.locator("#entry-live audio").get_attribute("src").startswith("/entries/media/")
    finally:
        context.close()
