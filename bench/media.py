"""Media pipeline benchmarks, each against a baseline measured in the same run.

1. Audio: our pipeline (probe → validate → decode → trim/normalise → MP3 + peaks) over the accepted
   corpus recordings ÷ a bare `ffmpeg -i IN -ac 1 -ar 16000 OUT.mp3` of the same files. Goal ≤ 1.5.
2. Peak memory of processing a 5-minute recording (in a child process, ru_maxrss). Goal ≤ 150 MB.
3. Time to refuse bad_too_long_15min.mp3 (from the probe alone). Goal ≤ 1 s.
4. Photos: our pipeline ÷ a bare Pillow open + thumbnail (+ JPEG save) of the same files. Goal ≤ 2.

    .venv/bin/python -m bench.media
"""

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from PIL import Image  # noqa: E402

from config.ffmpeg import ffmpeg_path  # noqa: E402
from submissions.media import MediaRefused, analyse  # noqa: E402
from submissions.media.limits import DEFAULTS  # noqa: E402

CORPUS = Path(os.environ.get("SHUXIANG_CORPUS", settings.BASE_DIR.parent / "shared" / "corpus")).resolve()
AUDIO = ["jingyesi_16k_mono.wav", "chunxiao.mp3", "yonge_phone.m4a", "denglou_chrome_recorder.webm",
         "minnong_firefox_recorder.ogg", "jiangxue_wechat_voice.amr", "chunxiao_wechat_voice.spx",
         "jingyesi_96k_24bit_stereo.wav"]
IMAGES = ["photo_with_gps.jpg", "photo_exif_rotated.jpg", "drawing_scan.png", "photo.webp"]
ROUNDS = 3


def ours(path: Path, kind: str) -> float:
    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        analyse(path, kind=kind, limits=DEFAULTS[kind], workdir=Path(workdir))
        return time.perf_counter() - start


def bare_ffmpeg(path: Path) -> float:
    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        subprocess.run([ffmpeg_path(), "-v", "error", "-nostdin", "-y", "-i", str(path), "-ac", "1", "-ar", "16000",
                        str(Path(workdir) / "out.mp3")], check=True, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def bare_pillow(path: Path) -> float:
    start = time.perf_counter()
    with Image.open(path) as image:
        image.thumbnail((480, 480))
        image.convert("RGB").save(io.BytesIO(), "JPEG", quality=82)
    return time.perf_counter() - start


def compare(files: list[Path], kind: str, baseline) -> tuple[float, float]:
    """Median over rounds of the total time of each side; the two sides alternate file by file."""
    ours_totals, base_totals = [], []
    for _ in range(ROUNDS):
        o = b = 0.0
        for path in files:
            b += baseline(path)
            o += ours(path, kind)
        ours_totals.append(o)
        base_totals.append(b)
    return statistics.median(ours_totals), statistics.median(base_totals)


def five_minute_recording(workdir: Path) -> Path:
    """A 5-minute (295 s) 44.1 kHz stereo WAV: the corpus recitation looped, as a long upload."""
    out = workdir / "five_minutes.wav"
    subprocess.run([ffmpeg_path(), "-v", "error", "-y", "-stream_loop", "-1", "-i",
                    str(CORPUS / "audio" / "jingyesi_16k_mono.wav"), "-t", "295", "-ar", "44100", "-ac", "2",
                    str(out)], check=True)
    return out


def child_rss(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.media", "--child-rss", str(path)], capture_output=True,
                          text=True, check=True, cwd=settings.BASE_DIR)
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main(path: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as workdir:
        result = analyse(Path(path), kind="audio", limits=DEFAULTS["audio"], workdir=Path(workdir))
    print(json.dumps({
        "python_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "python_after_imports_mb": before / 1024,
        "ffmpeg_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "duration_s": result.duration_s,
    }))


def main() -> None:
    print(f"corpus: {CORPUS}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    audio = [CORPUS / "audio" / name for name in AUDIO]
    for path in audio[:2]:  # warm the page cache and the imports
        ours(path, "audio")
        bare_ffmpeg(path)
    o, b = compare(audio, "audio", bare_ffmpeg)
    print(f"1. audio pipeline, {len(audio)} accepted corpus files: ours {o:.2f} s, bare ffmpeg {b:.2f} s "
          f"→ ratio {o / b:.2f} (goal ≤ 1.5)")

    with tempfile.TemporaryDirectory() as workdir:
        long_file = five_minute_recording(Path(workdir))
        o, b = compare([long_file], "audio", bare_ffmpeg)
        print(f"   5-minute recording alone: ours {o:.2f} s, bare ffmpeg {b:.2f} s → ratio {o / b:.2f}")
        rss = child_rss(long_file)
    worst = max(rss["python_peak_mb"], rss["ffmpeg_peak_mb"])
    print(f"2. peak RSS processing a 5-minute recording ({rss['duration_s']:.0f} s): python process "
          f"{rss['python_peak_mb']:.0f} MB (baseline: {rss['python_after_imports_mb']:.0f} MB after Django and "
          f"all apps are imported, before processing), largest ffmpeg child {rss['ffmpeg_peak_mb']:.0f} MB "
          f"→ {worst:.0f} MB (goal ≤ 150 MB)")

    too_long = CORPUS / "audio" / "bad_too_long_15min.mp3"
    times = []
    for _ in range(5):
        start = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory() as workdir:
                analyse(too_long, kind="audio", limits=DEFAULTS["audio"], workdir=Path(workdir))
            raise SystemExit("bad_too_long_15min.mp3 was accepted!")
        except MediaRefused as refusal:
            assert refusal.code == "too_long"
        times.append(time.perf_counter() - start)
    full_decode = bare_ffmpeg(too_long)
    print(f"3. refusing bad_too_long_15min.mp3: median {statistics.median(times) * 1000:.0f} ms "
          f"(a full bare transcode of it takes {full_decode:.2f} s) (goal ≤ 1 s)")

    images = [CORPUS / "images" / name for name in IMAGES]
    for path in images:
        ours(path, "image")
        bare_pillow(path)
    o, b = compare(images * 5, "image", bare_pillow)
    print(f"4. photo pipeline, {len(images)} accepted corpus pictures ×5: ours {o * 1000:.0f} ms, bare Pillow "
          f"open+thumbnail {b * 1000:.0f} ms → ratio {o / b:.2f} (goal ≤ 2)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child-rss":
        child_main(sys.argv[2])
    else:
        main()
