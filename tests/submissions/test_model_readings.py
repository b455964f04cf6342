"""Model readings (范读): organizers upload one per poem through the audio pipeline; the child's
recitation page plays it with a labelled button and visible controls."""

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.ffmpeg import ffmpeg_path
from events.models import Poem
from submissions.readings import synthetic_reading

pytestmark = pytest.mark.django_db


@pytest.fixture
def poem(db):
    return Poem.objects.create(key="jingyesi", title="静夜思", author="李白", dynasty="唐",
                               lines=["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"], grade=1)


@pytest.fixture
def hunan_organizer(organizer, db):
    from campaigns.models import Library

    return organizer(Library.objects.create(code="P-HN", name="湖南图书馆", level="provincial", path="/P-HN/"))


def test_organizer_uploads_a_reading_which_is_processed_to_mp3(client, poem, hunan_organizer, tmp_path):
    wav = synthetic_reading(poem, tmp_path / "r.wav")
    client.force_login(hunan_organizer)
    page = client.get("/entries/poems/").content.decode()
    assert "静夜思" in page and "还没有范读" in page
    response = client.post(f"/entries/poems/{poem.pk}/reading/upload/",
                           {"file": SimpleUploadedFile("reading.wav", wav.read_bytes(), "audio/wav")})
    assert response.status_code == 302
    poem.refresh_from_db()
    assert poem.model_reading.name.endswith(".mp3")
    data = poem.model_reading.read()
    assert data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
    assert len(data) < wav.stat().st_size  # the levelled MP3, not the upload
    served = client.get(f"/entries/poem/{poem.pk}/reading/")
    assert served.status_code == 200 and served["Content-Type"] == "audio/mpeg"
    page = client.get("/entries/poems/").content.decode()
    assert "听范读" in page and f'id="reading-audio-{poem.pk}"' in page


def test_a_file_without_voice_is_refused_and_the_old_reading_kept(client, poem, hunan_organizer, tmp_path):
    client.force_login(hunan_organizer)
    wav = synthetic_reading(poem, tmp_path / "r.wav")
    client.post(f"/entries/poems/{poem.pk}/reading/upload/",
                {"file": SimpleUploadedFile("reading.wav", wav.read_bytes(), "audio/wav")})
    poem.refresh_from_db()
    kept = poem.model_reading.name
    silent = tmp_path / "silent.wav"
    subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "5",
                    str(silent)], check=True)
    response = client.post(f"/entries/poems/{poem.pk}/reading/upload/",
                           {"file": SimpleUploadedFile("silent.wav", silent.read_bytes(), "audio/wav")}, follow=True)
    assert "没有听到声音" in response.content.decode()
    not_audio = client.post(f"/entries/poems/{poem.pk}/reading/upload/",
                            {"file": SimpleUploadedFile("x.mp3", b"not audio at all" * 100, "audio/mpeg")},
                            follow=True)
    assert not_audio.status_code == 200 and "《静夜思》" in not_audio.content.decode()
    poem.refresh_from_db()
    assert poem.model_reading.name == kept and poem.model_reading.storage.exists(kept)


def test_families_cannot_upload_readings(client, poem, make_user, tmp_path):
    client.force_login(make_user("13800000001", phone="13800000001"))
    assert client.get("/entries/poems/").status_code == 403
    response = client.post(f"/entries/poems/{poem.pk}/reading/upload/",
                           {"file": SimpleUploadedFile("r.wav", b"RIFF", "audio/wav")})
    assert response.status_code == 403
    poem.refresh_from_db()
    assert not poem.model_reading


def test_demo_gives_every_poem_a_reading_once(poem):
    from submissions.readings import demo_readings_load

    assert demo_readings_load() == 1
    poem.refresh_from_db()
    assert poem.model_reading
    assert demo_readings_load() == 0  # idempotent
