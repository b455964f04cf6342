"""Media pipeline benchmarks, each against a baseline measured in the same run.

1. Audio: our pipeline (ffprobe's JSON → verdicts from the probe → one ffmpeg decode to 16 kHz mono PCM;
   silence/trim/loudness/peaks from the PCM with numpy → one ffmpeg encode of the trimmed PCM with the
   gain applied) over the accepted corpus recordings ÷ a bare `ffmpeg -i IN -ac 1 -ar 16000 OUT.mp3` of
   the same files. Goal ≤ 2.0.
2. Peak memory of processing a 5-minute recording (in a child process, ru_maxrss). Goal ≤ 150 MB.
3. Time to refuse bad_too_long_15min.mp3 and a two-hour MP3 (from the probe alone). Goal ≤ 1 s.
4. Photos: our pipeline ÷ a bare Pillow open + thumbnail (+ JPEG save) of the same files. Goal ≤ 2.

    .venv/bin/python -m bench.media
"""

import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def setup(minimal: bool = False) -> None:
    """Full Django (as in the worker), or only the settings the pipeline reads (to see its own memory)."""
    import django
    from django.conf import settings

    if minimal:
        settings.configure(FFMPEG_BINARY=os.environ.get("FFMPEG_BINARY", ""),
                           FFPROBE_BINARY=os.environ.get("FFPROBE_BINARY", ""))
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()


CORPUS = Path()  # main(): the project's corpus (tests/corpus), with its big files made for this run
AUDIO = ["jingyesi_16k_mono.wav", "chunxiao.mp3", "yonge_phone.m4a", "denglou_chrome_recorder.webm",
         "minnong_firefox_recorder.ogg", "jiangxue_wechat_voice.amr", "chunxiao_wechat_voice.spx",
         "jingyesi_96k_24bit_stereo.wav"]
IMAGES = ["photo_with_gps.jpg", "photo_exif_rotated.jpg", "drawing_scan.png", "photo.webp"]
ROUNDS = 3


def cpu() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


CPU = {"ours": 0.0, "base": 0.0}


def ours(path: Path, kind: str) -> float:
    from submissions.media import analyse
    from submissions.media.limits import DEFAULTS

    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        analyse(path, kind=kind, limits=DEFAULTS[kind], workdir=Path(workdir))
        return time.perf_counter() - start


def bare_ffmpeg(path: Path) -> float:
    from config.ffmpeg import ffmpeg_path

    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        subprocess.run([ffmpeg_path(), "-v", "error", "-nostdin", "-y", "-i", str(path), "-ac", "1", "-ar", "16000",
                        str(Path(workdir) / "out.mp3")], check=True, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def bare_pillow(path: Path) -> float:
    from PIL import Image

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
            c = cpu()
            b += baseline(path)
            CPU["base"] += cpu() - c
            c = cpu()
            o += ours(path, kind)
            CPU["ours"] += cpu() - c
        ours_totals.append(o)
        base_totals.append(b)
    return statistics.median(ours_totals), statistics.median(base_totals)


def cpu_ratio() -> str:
    """CPU seconds (this process + ffmpeg children) of both sides since the last call: steadier than
    wall time on a loaded machine."""
    text = f"CPU {CPU['ours']:.2f} s vs {CPU['base']:.2f} s → {CPU['ours'] / max(CPU['base'], 1e-9):.2f}"
    CPU["ours"] = CPU["base"] = 0.0
    return text


def five_minute_recording(workdir: Path) -> Path:
    from config.ffmpeg import ffmpeg_path

    """A 5-minute (295 s) 44.1 kHz stereo WAV: the corpus recitation looped, as a long upload."""
    out = workdir / "five_minutes.wav"
    subprocess.run([ffmpeg_path(), "-v", "error", "-y", "-stream_loop", "-1", "-i",
                    str(CORPUS / "audio" / "jingyesi_16k_mono.wav"), "-t", "295", "-ar", "44100", "-ac", "2",
                    str(out)], check=True)
    return out


def two_hour_recording(workdir: Path) -> Path:
    """Two hours of the corpus MP3, packets copied (nothing encoded): a real 7200 s file in a second."""
    from config.ffmpeg import ffmpeg_path

    out = workdir / "two_hours.mp3"
    subprocess.run([ffmpeg_path(), "-v", "error", "-y", "-stream_loop", "-1", "-i", str(CORPUS / "audio" / "chunxiao.mp3"),
                    "-t", "7200", "-c", "copy", str(out)], check=True)
    return out


def child_rss(path: Path, mode: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.media", "--child-rss", mode, str(path)], capture_output=True,
                          text=True, check=True, cwd=BASE_DIR)
    return json.loads(done.stdout.strip().splitlines()[-1])


def vm_hwm_mb() -> float:
    """Peak RSS of this process image (VmHWM). ru_maxrss would also count the parent's RSS at
    fork/exec time on Linux, so it cannot be read on its own in a child of a large process."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_main(mode: str, path: str) -> None:
    setup(minimal=mode == "minimal")
    from submissions.media import analyse
    from submissions.media.limits import DEFAULTS

    before = vm_hwm_mb()
    with tempfile.TemporaryDirectory() as workdir:
        result = analyse(Path(path), kind="audio", limits=DEFAULTS["audio"], workdir=Path(workdir))
    print(json.dumps({
        "python_peak_mb": vm_hwm_mb(),
        "python_after_imports_mb": before,
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "ffmpeg_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "duration_s": result.duration_s,
    }))


def main() -> None:
    global CORPUS
    setup()
    from tests.corpus.generate import materialise

    folder = Path(tempfile.mkdtemp(prefix="shuxiang-bench-corpus-"))
    CORPUS = materialise(folder)
    try:
        measure()
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # links and the big files made for this run


def measure() -> None:
    from submissions.media import MediaRefused, analyse
    from submissions.media.limits import DEFAULTS

    print(f"corpus: {CORPUS}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    audio = [CORPUS / "audio" / name for name in AUDIO]
    for path in audio[:2]:  # warm the page cache and the imports
        ours(path, "audio")
        bare_ffmpeg(path)
    o, b = compare(audio, "audio", bare_ffmpeg)
    print(f"1. audio pipeline, {len(audio)} accepted corpus files: ours {o:.2f} s, bare ffmpeg {b:.2f} s "
          f"→ ratio {o / b:.2f} (goal ≤ 2.0); {cpu_ratio()}")

    with tempfile.TemporaryDirectory() as workdir:
        long_file = five_minute_recording(Path(workdir))
        o, b = compare([long_file], "audio", bare_ffmpeg)
        print(f"   5-minute recording alone: ours {o:.2f} s, bare ffmpeg {b:.2f} s → ratio {o / b:.2f}; "
              f"{cpu_ratio()}")
        minimal, full = child_rss(long_file, "minimal"), child_rss(long_file, "django")
    print(f"2. peak RSS processing a 5-minute recording ({minimal['duration_s']:.0f} s), goal ≤ 150 MB:")
    print(f"   pipeline process (settings only): peak {minimal['python_peak_mb']:.0f} MB "
          f"(after imports {minimal['python_after_imports_mb']:.0f} MB); largest ffmpeg child "
          f"{minimal['ffmpeg_peak_mb']:.0f} MB (ru_maxrss of the children; the child's own ru_maxrss reads "
          f"{minimal['ru_maxrss_mb']:.0f} MB because Linux carries the parent's over exec)")
    print(f"   inside a full Django process (as the worker): peak {full['python_peak_mb']:.0f} MB "
          f"(after django.setup() of all apps {full['python_after_imports_mb']:.0f} MB, before processing)")

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
    with tempfile.TemporaryDirectory() as workdir:
        two_hours = two_hour_recording(Path(workdir))
        times = []
        for _ in range(5):
            start = time.perf_counter()
            try:
                # Without the size limit (the file is 55 MB): the duration must refuse it.
                analyse(two_hours, kind="audio", limits=replace(DEFAULTS["audio"], max_bytes=None),
                        workdir=Path(workdir))
                raise SystemExit("a two-hour recording was accepted!")
            except MediaRefused as refusal:
                assert refusal.code == "too_long"
            times.append(time.perf_counter() - start)
    print(f"   refusing a two-hour MP3: median {statistics.median(times) * 1000:.0f} ms (goal ≤ 1 s)")

    images = [CORPUS / "images" / name for name in IMAGES]
    for path in images:
        ours(path, "image")
        bare_pillow(path)
    o, b = compare(images * 5, "image", bare_pillow)
    print(f"4. photo pipeline, {len(images)} accepted corpus pictures ×5: ours {o * 1000:.0f} ms, bare Pillow "
          f"open+thumbnail {b * 1000:.0f} ms → ratio {o / b:.2f} (goal ≤ 2); {cpu_ratio()}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child-rss":
        child_main(sys.argv[2], sys.argv[3])
    else:
        main()
