"""Micro-videos: probe → duration and size limits (from the probe, before decoding) → a poster
frame and a playback MP4 (H.264/AAC, fast start, no metadata such as the phone's GPS tag)."""

import subprocess
from pathlib import Path

from config.ffmpeg import ffmpeg_path
from submissions.media.errors import fmt_bytes, fmt_seconds, refuse
from submissions.media.limits import MediaLimits
from submissions.media.probe import audio_streams, probe, probe_duration, sniff, summary, video_streams

ENCODE_TIMEOUT = 900
MAX_WIDTH = 1280


def refuse_damaged():
    return refuse("damaged_file", "视频已损坏或不完整，请重新导出后再上传", "The video is damaged or incomplete; export it again")


def process(path: Path, limits: MediaLimits, workdir: Path):
    from submissions.media import MediaResult

    size = path.stat().st_size
    if size == 0:
        raise refuse("empty_file", "文件是空的（0 字节），请重新选择视频", "The file is empty (0 bytes); choose the video again")
    if limits.max_bytes and size > limits.max_bytes:
        raise refuse("file_too_large", f"视频太大（{fmt_bytes(size)}），最大 {fmt_bytes(limits.max_bytes)}",
                     f"The video is too large ({fmt_bytes(size)}); the limit is {fmt_bytes(limits.max_bytes)}",
                     limit_bytes=limits.max_bytes)
    data = probe(path)
    if data is None:
        if sniff(path) in ("mp4", "webm", "riff", "ogg"):
            raise refuse_damaged()
        raise refuse("not_video", "这不是视频文件，请上传 mp4、mov 等视频", "This is not a video; upload an mp4, mov… video")
    if not video_streams(data):
        raise refuse("not_video", "文件里没有画面，请上传视频文件", "The file has no picture; upload a video")
    duration = probe_duration(data)
    if duration is None:
        raise refuse_damaged()
    if limits.max_seconds and duration > limits.max_seconds + 0.5:
        zh, en = fmt_seconds(limits.max_seconds)
        raise refuse("too_long", f"视频太长（{fmt_seconds(round(duration))[0]}），本活动最长 {zh}，请剪短后再提交",
                     f"The video is too long ({fmt_seconds(round(duration))[1]}); the limit is {en}",
                     limit_seconds=limits.max_seconds)
    if limits.min_seconds and duration < limits.min_seconds:
        zh, en = fmt_seconds(limits.min_seconds)
        raise refuse("too_short", f"视频太短，至少需要 {zh}", f"The video is too short; at least {en}",
                     limit_seconds=limits.min_seconds)
    poster = workdir / "poster.jpg"
    at = min(1.0, duration / 2)
    done = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-nostdin", "-y", "-ss", f"{at:.2f}", "-i", str(path), "-frames:v", "1",
         "-vf", "scale='min(640,iw)':-2", "-map_metadata", "-1", str(poster)],
        capture_output=True, timeout=120, check=False,
    )
    if done.returncode != 0 or not poster.exists():
        raise refuse_damaged()
    out = workdir / "playback.mp4"
    has_audio = bool(audio_streams(data))
    command = [
        ffmpeg_path(), "-v", "error", "-nostdin", "-y", "-i", str(path), "-t", str(limits.max_seconds or duration),
        "-map", "0:v:0", *(["-map", "0:a:0"] if has_audio else []),
        "-vf", f"scale='trunc(min({MAX_WIDTH},iw)/2)*2':-2", "-c:v", "libx264", "-preset", "veryfast", "-crf", "26",
        "-pix_fmt", "yuv420p", *(["-c:a", "aac", "-b:a", "96k"] if has_audio else []),
        "-movflags", "+faststart", "-map_metadata", "-1", str(out),
    ]
    done = subprocess.run(command, capture_output=True, timeout=ENCODE_TIMEOUT, check=False)
    if done.returncode != 0 or not out.exists():
        raise refuse_damaged()
    info = summary(data)
    info["playback"] = "mp4 h264/aac"
    return MediaResult(kind="video", duration_s=round(duration, 2), playback_path=out, thumbnail_path=poster, info=info)
