"""Playable copies of audio that is not a child's entry (a poem's model reading, a WeChat voice
message before the family confirms it). They go through the same pipeline as entries
(`submissions.media.analyse`): validated by content, trimmed, levelled and encoded as MP3."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

from submissions.media import analyse
from submissions.media.limits import MediaLimits, limits_for

CHUNK = 1 << 20


def audio_playable(source, *, suffix: str,
                   limits: MediaLimits | None = None) -> tuple[Path, float | None, tempfile.TemporaryDirectory]:
    """Run a file-like `source` through the audio pipeline. Returns (MP3 path, seconds, workdir);
    the caller stores the MP3 and cleans the workdir up. Raises MediaRefused with the reason."""
    workdir = tempfile.TemporaryDirectory(prefix="shuxiang-playable-")
    try:
        work = Path(workdir.name)
        original = work / ("original" + suffix)
        with open(original, "wb") as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        result = analyse(original, kind="audio", limits=limits or limits_for("audio"), workdir=work)
    except BaseException:
        workdir.cleanup()
        raise
    return result.playback_path, result.duration_s, workdir


def stored_playable(name: str) -> str:
    """The storage name of the MP3 copy of stored audio `name`, made on first use (idempotent:
    the copy's name is derived from the source's). Raises MediaRefused when it holds no voice."""
    target = f"{name}.playback.mp3"
    if default_storage.exists(target):
        return target
    with default_storage.open(name, "rb") as source:
        mp3, _, workdir = audio_playable(source, suffix=Path(name).suffix,
                                         limits=MediaLimits(min_seconds=0.5, max_seconds=600))
    try:
        with open(mp3, "rb") as fh:
            if default_storage.exists(target):  # another request made it meanwhile
                return target
            return default_storage.save(target, File(fh))
    finally:
        workdir.cleanup()
