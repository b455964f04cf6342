"""Browser: a judge logs in, plays an entry, scores it with the keyboard; the chief judge's page
shows the progress move live (WebSocket)."""

import json

import pytest

from tests.e2e.conftest import wait_js

pytestmark = pytest.mark.e2e

SEED = r'''
import json, subprocess, tempfile
from datetime import timedelta
from pathlib import Path
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from campaigns.library_import import libraries_import
from campaigns.models import Campaign, Child, ConsentRecord, Library, OrganizerRole, User
from config.ffmpeg import ffmpeg_path
from events.models import Event, Poem
from judging import services
from judging.models import Round
from submissions.models import Entry

libraries_import(path=settings.BASE_DIR / "campaigns" / "examples" / "libraries.csv")
lib = {l.code: l for l in Library.objects.all()}
cfg = {"judging": {"rounds": [{"key": "r1", "event": "tongyin", "title": "初评", "scope": "national",
       "judges_per_entry": 1, "tolerance": 20, "anchors": 0}]}}
campaign = Campaign.objects.create(slug="e2e-judging", title="童音诵古韵", lead_library=lib["NLC"], config=cfg)
event = Event.objects.create(campaign=campaign, slug="tongyin", kind="recitation", title="童音诵古韵")
poem = Poem.objects.create(key="chunxiao", title="春晓", author="孟浩然", dynasty="唐",
                           lines=["春眠不觉晓", "处处闻啼鸟", "夜来风雨声", "花落知多少"])
out = Path(tempfile.mkdtemp()) / "tone.mp3"
subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=2",
                "-ac", "1", "-b:a", "32k", str(out)], check=True)
guardian = User.objects.create_user(username="fam", password="x-Secret-2027")
child = Child.objects.create(guardian=guardian, display_name="王秘密", nickname="秘密昵称", birth_year=2018,
                             library=lib["C-HN-CS"])
ConsentRecord.objects.create(child=child, purpose="judging", granted=True, text_version="t")
entry = Entry(event=event, child=child, library=lib["C-HN-CS"], kind="audio", status="ready", poem=poem,
              duration_s=2.0, waveform=[0.2, 0.6, 1.0, 0.6, 0.2] * 20, original_name="wang-secret.m4a")
entry.playback.save("tone.mp3", ContentFile(out.read_bytes()), save=False)
entry.save()
judge = services.judge_upsert(username="judge1", library=lib["P-HE"], display_name="评委李老师", password="Judge-2027")
chief = User.objects.create_user(username="chief", password="Chief-2027", is_staff=True)
OrganizerRole.objects.create(user=chief, library=lib["NLC"])
services.rounds_sync(campaign=campaign)
r = Round.objects.get(campaign=campaign)
services.round_set_status(round_=r, status="open", actor=None)
services.round_assign(round_=r, actor=None)
print(json.dumps({"round": r.id}))
'''


def login(page, url, username, password):
    page.goto(f"{url}/accounts/login/?next=/judging/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/judging/")


def test_judge_scores_with_keyboard_and_chief_sees_progress(server, browser):
    server.start()
    round_id = json.loads(server.shell(SEED).strip().splitlines()[-1])["round"]

    chief_ctx = browser.new_context(locale="zh-CN")
    chief = chief_ctx.new_page()
    login(chief, server.url, "chief", "Chief-2027")
    chief.goto(f"{server.url}/judging/rounds/{round_id}/progress/")
    wait_js(chief, "document.getElementById('live-state').textContent.includes('Live')")
    assert chief.locator("#done").inner_text() == "0"

    judge_ctx = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 800})
    page = judge_ctx.new_page()
    login(page, server.url, "judge1", "Judge-2027")
    page.get_by_role("link", name="评分 Score").first.click()
    page.wait_for_selector("#score-form")
    html = page.content()
    assert "秘密" not in html and "wang-secret" not in html and "长沙" not in html  # blind
    # Play with the keyboard (Space) and let it run to the end.
    page.locator("h1").click()
    page.keyboard.press("Space")
    wait_js(page, "document.getElementById('media').ended", timeout=15000)
    wait_js(page, "Number(document.getElementById('played-pct').textContent) >= 90", timeout=10000)
    # Seek back with ← and replay with R work too.
    page.keyboard.press("r")
    wait_js(page, "!document.getElementById('media').paused")
    page.keyboard.press("Space")
    # Scores with the keyboard: "1" jumps to the first criterion, Enter moves on, Ctrl+Enter submits.
    page.keyboard.press("1")
    assert page.evaluate("document.activeElement.id") == "score_pronunciation"
    for value in ["8", "7", "9", "8.5"]:
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "comment"
    page.keyboard.type("吐字清楚")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/judging/")
    assert "已提交" in page.content()

    # The chief judge's page moved without a reload.
    wait_js(chief, "document.getElementById('done').textContent === '1'", timeout=10000)
    assert float(chief.locator("#percent").inner_text()) == 100
    out = server.shell(
        "from judging.models import Assignment, Score; a = Assignment.objects.get(); "
        "print(a.state, round(a.played_fraction, 2), a.too_fast, sorted(Score.objects.values_list('value', flat=True)))"
    )
    state, fraction, too_fast, values = out.strip().splitlines()[-1].split(" ", 3)
    assert state == "submitted" and float(fraction) >= 0.9 and too_fast == "False"
    assert values == "[7.0, 8.0, 8.5, 9.0]"
    chief_ctx.close()
    judge_ctx.close()
