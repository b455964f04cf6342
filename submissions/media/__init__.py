"""The media pipeline, one function for uploads, the processing task and `check_media` alike:

    analyse(path, kind=..., limits=..., workdir=...) -> MediaResult   (or raises MediaRefused)

It reads a local file and writes its outputs into `workdir`; moving bytes to and from storage is
the caller's business (services.entry_process uses Django's storage API only)."""

from dataclasses import dataclass, field
from pathlib import Path

from submissions.media.errors import MediaRefused
from submissions.media.limits import MediaLimits

KINDS = ("audio", "image", "essay", "video")


@dataclass
class MediaResult:
    kind: str
    duration_s: float | None = None
    waveform: list = field(default_factory=list)
    playback_path: Path | None = None
    thumbnail_path: Path | None = None
    text: str | None = None
    char_count: int | None = None
    info: dict = field(default_factory=dict)


def analyse(path: Path, *, kind: str, limits: MediaLimits, workdir: Path, original_name: str = "") -> MediaResult:
    """Validate by content and produce the playback/thumbnail copies (or the essay text)."""
    from submissions.media import audio, essays, images, video

    path, workdir = Path(path), Path(workdir)
    processors = {"audio": audio.process, "image": images.process, "essay": essays.process, "video": video.process}
    if kind not in processors:
        raise MediaRefused("kind_not_accepted", "不支持的作品类型", f"Unknown entry kind {kind!r}")
    return processors[kind](path, limits, workdir)


__all__ = ["KINDS", "MediaLimits", "MediaRefused", "MediaResult", "analyse"]
