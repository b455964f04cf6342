"""ffprobe, and recognising a file by its first bytes (content, never the file name)."""

import json
import re
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


_INPUT = re.compile(r"^Input #0, (.*?), from ")
# Exactly two spaces: the dump's own lines. Metadata (tags the uploader controls) is indented deeper,
# so a tag cannot pose as a duration or a stream.
_DURATION = re.compile(r"^  Duration: (?:(\d+):(\d+):(\d+(?:\.\d+)?)|N/A)(?:.*?bitrate: (\d+) kb/s)?")
_STREAM = re.compile(r"^  Stream #0:\d+\S*: (Audio|Video|Subtitle|Data|Attachment): (\w+)(.*)$")
_LAYOUTS = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8}


def parse_dump(lines: list[str]) -> dict | None:
    """The facts of ffmpeg's own input dump ("Input #0, wav, from …", "Duration: …", "Stream #0:0: Audio: …"),
    in the shape of ffprobe's JSON (format + streams), or None when the dump is not there.

    ffmpeg prints it after probing the input exactly as ffprobe does and before decoding anything, so
    audio.process reads the probe from the ffmpeg run that then decodes (one process instead of two)."""
    fmt: dict = {}
    streams: list[dict] = []
    inside = False
    for line in lines:
        if match := _INPUT.match(line):
            inside, fmt["format_name"] = True, match.group(1)
            continue
        if not inside:
            continue
        if line.startswith("Input #") or not line.startswith(" "):
            break
        if match := _DURATION.match(line):
            if match.group(1) is not None:
                hours, minutes, seconds = match.group(1, 2, 3)
                fmt["duration"] = f"{int(hours) * 3600 + int(minutes) * 60 + float(seconds):.6f}"
            if match.group(4):
                fmt["bit_rate"] = str(int(match.group(4)) * 1000)
        elif match := _STREAM.match(line):
            kind, codec, rest = match.groups()
            stream = {"codec_type": kind.lower(), "codec_name": codec}
            if rate := re.search(r", (\d+) Hz", rest):
                stream["sample_rate"] = rate.group(1)
                layout = rest[rate.end():].split(",")[1].strip() if rest[rate.end():].count(",") else ""
                count = re.match(r"(\d+) channels", layout)
                channels = int(count.group(1)) if count else _LAYOUTS.get(layout.split("(")[0])
                if channels:
                    stream["channels"] = channels
            if size := re.search(r", (\d{2,5})x(\d{2,5})\b", rest):
                stream["width"], stream["height"] = int(size.group(1)), int(size.group(2))
            if "(attached pic)" in rest:
                stream["disposition"] = {"attached_pic": 1}
            streams.append(stream)
    if "format_name" not in fmt or not streams:
        return None
    return {"format": fmt, "streams": streams}
