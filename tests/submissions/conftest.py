"""Fixtures for the entries tests: a small library tree, a campaign with one event per kind, a
family (guardian + child with consents), and helpers to submit through the API and process."""

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

# Corpus verdicts (tests/corpus/README.md): file → expected reason code (None = accept).
AUDIO_VERDICTS = {
    "jingyesi_16k_mono.wav": None, "chunxiao.mp3": None, "yonge_phone.m4a": None,
    "denglou_chrome_recorder.webm": None, "minnong_firefox_recorder.ogg": None,
    "jiangxue_wechat_voice.amr": None, "chunxiao_wechat_voice.spx": None, "jingyesi_96k_24bit_stereo.wav": None,
    "bad_empty.mp3": "empty_file", "bad_truncated.m4a": "damaged_file", "bad_silence.wav": "no_voice",
    "bad_too_short.wav": "too_short", "bad_too_long_15min.mp3": "too_long", "bad_text_named.mp3": "not_audio",
}
IMAGE_VERDICTS = {
    "photo_with_gps.jpg": None, "photo_exif_rotated.jpg": None, "drawing_scan.png": None, "photo.webp": None,
    "bad_truncated.jpg": "damaged_file", "bad_text_named.jpg": "not_image", "bad_script.svg": "format_not_accepted",
    "bad_decompression_bomb.png": "too_many_pixels", "bad_bomb_tall.png": "too_many_pixels",
    "bad_bomb_wide.png": "too_many_pixels", "bad_bomb_tall.jpg": "too_many_pixels",
    "bad_bomb_wide.jpg": "too_many_pixels", "bad_1x1.png": "too_small",
}
ESSAY_VERDICTS = {
    "essay_utf8.txt": None, "essay_utf8_bom.txt": None, "essay_utf16_bom.txt": None, "essay_gbk.txt": None,
    "essay_gb18030.txt": None, "essay.docx": None, "essay_with_markup.txt": None,
    "bad_too_long.txt": "too_long", "bad_binary_named.txt": "not_text", "bad_zip_named.docx": "format_not_accepted",
}
CORPUS_DIRS = {"audio": ("audio", AUDIO_VERDICTS), "image": ("images", IMAGE_VERDICTS),
               "essay": ("essays", ESSAY_VERDICTS)}


def make_tree():
    from campaigns.models import Library

    def lib(code, name, level, parent, province=""):
        path = (parent.path if parent else "/") + code + "/"
        return Library.objects.create(code=code, name=name, level=level, parent=parent, province=province, path=path)

    nlc = lib("NLC", "国家图书馆", "national", None)
    hn = lib("P-HN", "湖南图书馆", "provincial", nlc, "湖南")
    cs = lib("C-HN-CS", "长沙图书馆", "city", hn, "湖南")
    csx = lib("X-HN-CSX", "长沙县图书馆", "county", cs, "湖南")
    he = lib("P-HE", "河北省图书馆", "provincial", nlc, "河北")
    return {x.code: x for x in [nlc, hn, cs, csx, he]}


def make_contest(tree, *, slug="tongyin-test"):
    """A campaign taking entries now, with a recitation, photo, drawing, essay and video event."""
    from campaigns.models import Campaign, Stage
    from events.models import Event, Poem

    campaign = Campaign.objects.create(slug=slug, title="童音诵古韵·测试", lead_library=tree["NLC"])
    now = timezone.now()
    Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=now - timedelta(days=1),
                         ends_at=now + timedelta(days=30))
    poem = Poem.objects.get_or_create(key="jingyesi", defaults=dict(
        title="静夜思", author="李白", dynasty="唐", lines=["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"]))[0]
    events = {}
    for position, (key, kind, media) in enumerate([("recitation", "recitation", "audio"), ("photo", "photo", "image"),
                                                   ("drawing", "drawing", "image"), ("essay", "essay", "essay"),
                                                   ("video", "video", "video")]):
        events[key] = Event.objects.create(campaign=campaign, slug=key, kind=kind, title=f"{key} 测试",
                                           position=position, settings={"entries": {"media": [media]}})
    events["recitation"].poems.add(poem)
    events["poem"] = poem
    return campaign, events


def make_family(make_user, tree, *, phone="13900000001", library="C-HN-CS", consents=("judging", "gallery")):
    from campaigns.models import Child, ConsentRecord

    guardian = make_user(phone, phone=phone)
    child = Child.objects.create(guardian=guardian, display_name="李小华", nickname="小华", birth_year=2017,
                                 library=tree[library])
    for purpose in consents:
        ConsentRecord.objects.create(child=child, purpose=purpose, granted=True, text_version="t1", recorded_by=guardian)
    return guardian, child


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A migrated SQLite file, made once, copied by the tests that run the project in subprocesses."""
    from tests.submissions.scripts.common import migrate_template

    return migrate_template(tmp_path_factory.mktemp("entries-template"))


@pytest.fixture
def tree(db):
    return make_tree()


@pytest.fixture
def contest(tree):
    return make_contest(tree)


@pytest.fixture
def family(make_user, tree):
    return make_family(make_user, tree)


@pytest.fixture
def guardian_client(client, family):
    client.force_login(family[0])
    return client


def api_submit(client, event, child, path: Path | None = None, *, key="", poem=None, text=None, name=None):
    data = {"event": event.pk, "child": child.pk}
    if poem is not None:
        data["poem"] = poem.pk
    if text is not None:
        data["text"] = text
    if path is not None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data["file"] = SimpleUploadedFile(name or path.name, path.read_bytes())
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/submissions/entries", data, headers=headers)


def ffprobe_json(path) -> dict:
    from config.ffmpeg import ffprobe_path

    out = subprocess.run([ffprobe_path(), "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                          str(path)], capture_output=True, check=True)
    return json.loads(out.stdout)
