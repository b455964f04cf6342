"""ffprobe, and recognising a file by its first bytes (content, never the file name)."""

import json
import subprocess
from pathlib import Path

from config.ffmpeg import ffprobe_path

PROBE_TIMEOUT = 30

# Containers whose probe failure means "damaged", not "not a media file at all".
MAGIC = [
    (b"ID3", "mp3"), (b"\xff\xfb", "mp3"), (b"\xff\xf3", "mp3"), (b"\xff\xf2", "mp3"), (b"\xff\xf1", "aac"),
    (b"\xff\xf9", "aac"), (b"RIFF", "riff"), (b"OggS", "ogg"), (b"\x1a\x45\xdf\xa3", "webm"), (b"#!AMR", "amr"),
    (b"fLaC", "flac"), (b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF8", "gif"),
    (b"PK\x03\x04", "zip"), (b"\xd0\xcf\x11\xe0", "ole"), (b"%PDF", "pdf"),
]


def sniff(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(64)
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    return None


def looks_like_text(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a multi-byte character cut at the end of the sample


def probe(path: Path) -> dict | None:
    """ffprobe's JSON (format + streams), or None when ffprobe cannot read the file."""
    try:
        done = subprocess.run(
            [ffprobe_path(), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
            capture_output=True, timeout=PROBE_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    try:
        data = json.loads(done.stdout or b"{}")
    except ValueError:
        return None
    if not data.get("streams"):
        return None
    return data


def _float(value) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result == result and result > 0 else None  # drops NaN and 0


def probe_duration(data: dict) -> float | None:
    duration = _float(data.get("format", {}).get("duration"))
    if duration is None:
        durations = [_float(s.get("duration")) for s in data.get("streams", [])]
        durations = [d for d in durations if d]
        duration = max(durations) if durations else None
    return duration


def audio_streams(data: dict) -> list[dict]:
    return [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]


def video_streams(data: dict) -> list[dict]:
    """Real video streams (a cover picture attached to an MP3 is not a video)."""
    return [
        s for s in data.get("streams", [])
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]


def summary(data: dict) -> dict:
    fmt = data.get("format", {})
    streams = [
        {k: s.get(k) for k in ("codec_type", "codec_name", "sample_rate", "channels", "width", "height")
         if s.get(k) is not None}
        for s in data.get("streams", [])
    ]
    return {"container": fmt.get("format_name", ""), "bit_rate": fmt.get("bit_rate"), "streams": streams}

