"""Model readings (范读): an organizer's recording of a poem, played on the recitation page.

The upload goes through the entries' audio pipeline (submissions.media.analyse): a file that is
not audio, is damaged or holds no voice is refused with the pipeline's bilingual reason, and the
stored copy is the levelled MP3 every phone plays."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.db import transaction

from campaigns.audit import audit_record
from campaigns.models import User
from campaigns.selectors import is_organizer
from config.errors import UserFacingError
from events.models import Poem
from submissions.media.limits import MediaLimits
from submissions.playable import audio_playable

# A model reading is a whole poem read aloud: a few seconds to a few minutes.
READING_LIMITS = MediaLimits(min_seconds=2, max_seconds=600, max_bytes=50 * 1024 * 1024)


def poem_reading_upload(*, poem: Poem, uploaded_file, user: User | None) -> Poem:
    """Process and store a model reading for `poem`, replacing the previous one (kept until the
    new one is stored: a refused upload never loses the reading in place)."""
    if user is not None and not is_organizer(user):
        raise UserFacingError("not_organizer", "只有组织者可以上传范读", "Only organizers can upload model readings",
                              status=403)
    suffix = Path(getattr(uploaded_file, "name", "") or "reading").suffix.lower()[:8]
    mp3, seconds, workdir = audio_playable(uploaded_file, suffix=suffix, limits=READING_LIMITS)
    try:
        old = poem.model_reading.name if poem.model_reading else ""
        with open(mp3, "rb") as fh:
            poem.model_reading.save(f"{poem.key}.mp3", File(fh), save=False)
    finally:
        workdir.cleanup()
    with transaction.atomic():
        Poem.objects.filter(pk=poem.pk).update(model_reading=poem.model_reading.name)
        audit_record(action="poem.reading_uploaded", obj=poem, actor=user, seconds=seconds)
    if old and old != poem.model_reading.name:
        storage = poem.model_reading.storage
        transaction.on_commit(lambda: storage.delete(old))
    return poem


def poem_reading_remove(*, poem: Poem, user: User) -> None:
    if not is_organizer(user):
        raise UserFacingError("not_organizer", "只有组织者可以删除范读", "Only organizers can remove model readings",
                              status=403)
    if poem.model_reading:
        name, storage = poem.model_reading.name, poem.model_reading.storage
        Poem.objects.filter(pk=poem.pk).update(model_reading="")
        audit_record(action="poem.reading_removed", obj=poem, actor=user)
        transaction.on_commit(lambda: storage.delete(name))
        poem.model_reading = ""


# --- the demo's model readings ----------------------------------------------------------------

def synthetic_reading(poem: Poem, path: Path) -> Path:
    """A voice-like stand-in for a model reading, made by ffmpeg (no recordings in the repo): one
    gliding, syllable-paced tone per character, a pause at each line's end, pitch set per poem."""
    import subprocess

    from config.ffmpeg import ffmpeg_path

    chars = max(sum(len(line) for line in poem.lines), 8)
    seconds = round(chars * 0.42 + len(poem.lines) * 0.5 + 0.6, 2)
    base = 170 + (sum(map(ord, poem.key)) % 60)
    # Pitch glides like speech; loudness rises and falls ~2.4 times a second (syllables).
    expr = (f"0.5*sin(2*PI*({base}+25*sin(2*PI*0.7*t))*t)*pow(max(0\\,sin(2*PI*1.2*t))\\,0.6)"
            f"+0.12*sin(2*PI*{base * 2}*t)*pow(max(0\\,sin(2*PI*1.2*t))\\,0.6)")
    subprocess.run([ffmpeg_path(), "-v", "error", "-y", "-f", "lavfi",
                    "-i", f"aevalsrc={expr}:s=22050:d={seconds}", "-ac", "1", "-c:a", "pcm_s16le", str(path)],
                   check=True, timeout=60)
    return path


def demo_readings_load() -> int:
    """Give every poem without a model reading a synthetic one, through the pipeline (idempotent)."""
    import tempfile

    made = 0
    for poem in Poem.objects.filter(model_reading=""):
        with tempfile.TemporaryDirectory(prefix="shuxiang-reading-") as work:
            wav = synthetic_reading(poem, Path(work) / f"{poem.key}.wav")
            with open(wav, "rb") as fh:
                poem_reading_upload(poem=poem, uploaded_file=File(fh, name=wav.name), user=None)
        made += 1
    return made
