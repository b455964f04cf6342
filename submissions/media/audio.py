"""Recitations: probe → validate (type, duration, size, silence) → mono, trimmed, loudness-normalised
MP3 for playback, duration and waveform peaks — in ONE ffmpeg run per file.

The run (see `start`): ffmpeg probes the upload and prints its input dump (the same facts ffprobe
gives: container, duration, streams), then blocks opening its first output, a FIFO we have not opened
yet. We read the dump from its stderr and decide everything the probe alone can decide (no audio
track, too long, too short) while nothing has been decoded; a refused file's ffmpeg is killed there.
Accepted, we open the FIFO and ffmpeg decodes once: a filter graph splits the 16 kHz mono signal into
16-bit PCM on the FIFO (for us: silence, trim points, loudness, peaks) and an MP3 encoding. The trim
and the gain are then applied to the MP3's frames without re-encoding (submissions/media/mp3.py).

Memory stays flat whatever the input: the PCM is 16 kHz mono (a 5-minute recording is ~10 MB) and
the decode is capped at the event's maximum duration, so a file that lies about its length cannot
make us decode hours."""

import math
import os
import re
import select
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

from config.ffmpeg import ffmpeg_path
from submissions.media import mp3
from submissions.media.errors import fmt_bytes, fmt_seconds, refuse
from submissions.media.limits import MediaLimits
from submissions.media.probe import audio_streams, looks_like_text, parse_dump, probe_duration, sniff, summary

RATE = 16000  # playback sample rate: wideband speech, mono (what judges need; small on phones)
BITRATE = "64k"
FRAME_MS = 10
TARGET_DBFS = -18.0  # loudness target (RMS of the voiced part)
PEAK_CEILING = -1.0  # never push peaks above this
SILENCE_FLOOR_DBFS = -50.0  # frames quieter than this are silence
MIN_VOICED_S = 0.3
PAD_S = 0.25  # keep a little air around the voice when trimming
PEAKS = 200
DECODE_TIMEOUT = 120
# LAME's encoder delay (576) + the MP3 decoder's (529): input sample n is heard at n + this in our MP3
# (no Xing/LAME tag: the frames are cut, so decoders must not skip by a tag).
ENCODER_DELAY = 1105
CUT_OFF = re.compile(rb"partial file|truncat|moov atom", re.IGNORECASE)
ESTIMATED_DURATION_CODECS = {"amr_nb", "amrnb", "amr_wb", "amrwb", "speex", "silk"}


def refuse_not_audio():
    return refuse("not_audio", "这不是音频文件，请上传录音（如 mp3、m4a、wav）",
                  "This is not an audio file; upload a recording (e.g. mp3, m4a, wav)")


def refuse_damaged():
    return refuse("damaged_file", "文件已损坏或不完整，请重新录制或重新导出后再上传",
                  "The file is damaged or incomplete; record or export it again and upload it")


def check_size(path: Path, limits: MediaLimits) -> None:
    size = path.stat().st_size
    if size == 0:
        raise refuse("empty_file", "文件是空的（0 字节），请重新录制或选择正确的文件",
                     "The file is empty (0 bytes); record again or choose the right file")
    if limits.max_bytes and size > limits.max_bytes:
        raise refuse("file_too_large", f"文件太大（{fmt_bytes(size)}），最大 {fmt_bytes(limits.max_bytes)}",
                     f"The file is too large ({fmt_bytes(size)}); the limit is {fmt_bytes(limits.max_bytes)}",
                     limit_bytes=limits.max_bytes)


def check_probe(path: Path, data: dict | None, limits: MediaLimits) -> float | None:
    """The verdict from the probe alone (ffprobe's JSON or ffmpeg's dump, same shape): the probed duration."""
    if data is None:
        if sniff(path) is not None:
            raise refuse_damaged()
        raise refuse_not_audio()
    if not audio_streams(data):
        if looks_like_text(path) or sniff(path) in ("jpeg", "png", "gif", "pdf", "zip", "ole"):
            raise refuse_not_audio()
        raise refuse("no_audio_track", "文件里没有声音轨道，请上传录音", "The file has no audio track; upload a recording")
    duration = probe_duration(data)
    if duration is not None:
        check_duration(duration, limits)
    return duration


def check_duration(duration: float, limits: MediaLimits, *, voiced: bool = False) -> None:
    if limits.max_seconds and duration > limits.max_seconds + 0.5:
        zh, en = fmt_seconds(limits.max_seconds)
        got_zh, got_en = fmt_seconds(round(duration))
        raise refuse("too_long", f"录音太长（{got_zh}），本活动最长 {zh}，请剪短后再提交",
                     f"The recording is too long ({got_en}); the limit is {en}", limit_seconds=limits.max_seconds)
    if limits.min_seconds and duration < limits.min_seconds:
        zh, en = fmt_seconds(limits.min_seconds)
        got_zh, got_en = fmt_seconds(round(duration, 1))
        what_zh, what_en = ("有声音的部分只有", "the voice lasts only") if voiced else ("录音只有", "the recording is only")
        raise refuse("too_short", f"{what_zh} {got_zh}，请至少朗读 {zh}后再提交",
                     f"Too short: {what_en} {got_en}; recite for at least {en}", limit_seconds=limits.min_seconds)


class Run:
    """One ffmpeg run: probe (its input dump), then — once we open the FIFO — decode + encode."""

    def __init__(self, path: Path, limits: MediaLimits, workdir: Path):
        self.fifo = workdir / "decoded.pcm"
        self.encoded = workdir / "encoded.mp3"
        self.fifo.unlink(missing_ok=True)
        os.mkfifo(self.fifo)
        cap = (limits.max_seconds or 3600) + 1
        # Room for the capped decode; untouched pages of the buffer cost no memory.
        self.capacity = (cap + 2) * RATE * 2
        self.proc = subprocess.Popen(
            [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-v", "info", "-y",
             "-t", str(cap), "-i", str(path),
             # An empty second input: its "Input #1" line marks the end of the upload's dump.
             "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", os.devnull,
             "-filter_complex", f"[0:a:0]aformat=sample_fmts=s16:sample_rates={RATE}:channel_layouts=mono,"
                                f"asplit=2[pcm][mp3]",
             # First output: the FIFO. ffmpeg blocks opening it until we do — nothing is decoded before.
             "-map", "[pcm]", "-f", "s16le", str(self.fifo),
             "-map", "[mp3]", "-c:a", "libmp3lame", "-b:a", BITRATE, "-reservoir", "0", "-write_xing", "0",
             "-id3v2_version", "0", "-map_metadata", "-1", "-f", "mp3", str(self.encoded)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.deadline = time.monotonic() + DECODE_TIMEOUT
        self.watchdog = threading.Timer(DECODE_TIMEOUT, self.proc.kill)
        self.watchdog.daemon = True
        self.watchdog.start()
        self.cut_off = False
        self.errors = b""
        self.drain = None

    def dump(self) -> dict | None:
        """Read ffmpeg's stderr up to the end of the upload's dump: the probe, in ffprobe's shape."""
        lines = []
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            if line.startswith("Input #1"):
                return parse_dump(lines)
            lines.append(line)
            if len(lines) > 2000:  # not a dump any more
                break
        return None  # ffmpeg could not read the file and stopped

    def _drain_stderr(self) -> None:
        tail = b""
        while chunk := self.proc.stderr.read1(65536):
            tail = (tail + chunk)[-8192:]
            self.cut_off = self.cut_off or bool(CUT_OFF.search(tail))
        self.errors = tail

    def decode(self) -> tuple[np.ndarray, int]:
        """Let ffmpeg go on: the 16 kHz mono PCM from the FIFO, and ffmpeg's exit status."""
        self.drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self.drain.start()
        fd = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
        samples = np.empty(int(self.capacity) // 2, dtype=np.int16)
        buffer = memoryview(samples).cast("B")
        filled = 0
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            while filled < len(buffer):
                if not poller.poll(200):
                    # No writer yet and none coming (ffmpeg ended before opening its output), or a stall.
                    if self.proc.poll() is not None or time.monotonic() > self.deadline:
                        break
                    continue
                try:
                    count = os.readv(fd, [buffer[filled:filled + (1 << 16)]])
                except BlockingIOError:
                    continue
                if not count:
                    break  # ffmpeg closed the FIFO: the whole recording is here
                filled += count
        finally:
            buffer.release()
            os.close(fd)
        if filled == len(samples) * 2:
            self.proc.kill()  # more than the capped decode can write: never wait on it
        try:
            self.proc.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.drain.join(timeout=5)
        return samples[: filled // 2], self.proc.returncode

    def stop(self) -> None:
        self.watchdog.cancel()
        if self.proc.poll() is None:
            self.proc.kill()  # also ends a wait on the FIFO: SIGKILL interrupts the open
            self.proc.wait()
        if self.drain is not None:
            self.drain.join(timeout=5)
        if self.proc.stderr and not self.proc.stderr.closed:
            self.proc.stderr.close()
        self.fifo.unlink(missing_ok=True)


def read_decoded(run: Run) -> np.ndarray:
    """The decoded recording (16-bit mono samples at RATE); refuses a file ffmpeg could not decode."""
    samples, returncode = run.decode()
    if not len(samples) or (returncode != 0 and len(samples) < RATE * 0.1):
        raise refuse_damaged()
    if run.cut_off:
        raise refuse_damaged()
    return samples


def frame_levels(samples: np.ndarray) -> np.ndarray:
    """dBFS of each 10 ms frame (computed in blocks: memory stays small for long recordings)."""
    per = RATE * FRAME_MS // 1000
    count = len(samples) // per
    if count == 0:
        return np.full(1, -np.inf)
    rms = np.empty(count, dtype=np.float32)
    block = 4096
    for first in range(0, count, block):
        frames = samples[first * per:min(count, first + block) * per].reshape(-1, per).astype(np.float32)
        rms[first:first + len(frames)] = np.sqrt(np.mean(frames * frames, axis=1)) / 32768.0
    with np.errstate(divide="ignore"):
        return 20 * np.log10(rms)


def peaks(samples: np.ndarray, count: int = PEAKS) -> list[float]:
    """Waveform peaks 0..1 for the judge's player (max |sample| per bucket, no full-size copies)."""
    if len(samples) == 0:
        return []
    count = min(count, len(samples))
    edges = np.linspace(0, len(samples), count + 1, dtype=np.int64)[:-1]
    highs = np.maximum.reduceat(samples, edges).astype(np.int32)
    lows = np.minimum.reduceat(samples, edges).astype(np.int32)
    values = np.maximum(highs, -lows)
    top = max(int(values.max()), 1)
    return [round(float(v) / top, 3) for v in values]


def process(path: Path, limits: MediaLimits, workdir: Path):
    from submissions.media import MediaResult

    check_size(path, limits)
    out = workdir / "playback.mp3"
    run = Run(path, limits, workdir)
    try:
        data = run.dump()
        # The verdict from the probe alone comes first: a refused file's ffmpeg never decodes.
        probed = check_probe(path, data, limits)
        samples = read_decoded(run)
        full_seconds = len(samples) / RATE
        codec = (audio_streams(data)[0].get("codec_name") or "").lower()
        # The header promises more than the file holds: cut off in transfer. (Voice codecs with
        # silence suppression — AMR, Speex — have estimated durations, so only ffmpeg's word counts.)
        if probed and full_seconds < probed * 0.8 - 0.5 and codec not in ESTIMATED_DURATION_CODECS:
            raise refuse_damaged()
        check_duration(full_seconds, limits)  # files whose header had no duration (MediaRecorder WebM)
        levels = frame_levels(samples)
        voiced = np.flatnonzero(levels > SILENCE_FLOOR_DBFS)
        if len(voiced) * FRAME_MS / 1000 < MIN_VOICED_S:
            raise refuse("no_voice", "录音里没有听到声音，请检查麦克风后重新录制",
                         "No voice was heard in the recording; check the microphone and record again")
        per = RATE * FRAME_MS // 1000
        pad = int(PAD_S * RATE)
        start = max(0, int(voiced[0]) * per - pad)
        end = min(len(samples), (int(voiced[-1]) + 1) * per + pad)
        trimmed = samples[start:end]
        check_duration(len(trimmed) / RATE, limits, voiced=True)
        loudness = 10 * np.log10(np.mean(10 ** (levels[voiced] / 10)))  # mean power of the voiced frames
        top = max(int(trimmed.max()), -int(trimmed.min()), 1)
        headroom = PEAK_CEILING - 20 * math.log10(top / 32768)
        # Whole 1.5 dB steps (MP3 global_gain): the nearest to the target, never over the peak ceiling.
        steps = min(round((TARGET_DBFS - float(loudness)) / mp3.GAIN_STEP_DB), math.floor(headroom / mp3.GAIN_STEP_DB))
        encoded = run.encoded.read_bytes() if run.encoded.exists() else b""
        try:
            count = len(mp3.frames(encoded))
        except ValueError as exc:
            raise RuntimeError(f"mp3 encoding failed: {exc}; {run.errors.decode(errors='replace')[-500:]}") from exc
        if count == 0:
            raise refuse_damaged()
        # Frames holding input samples start..end (one more before: the decoder's overlap needs it).
        first = max(0, (start + ENCODER_DELAY) // mp3.SAMPLES_PER_FRAME - 1)
        last = min(count, (end - 1 + ENCODER_DELAY) // mp3.SAMPLES_PER_FRAME + 1)
        out.write_bytes(mp3.cut_and_gain(encoded, first, last, steps))
        run.encoded.unlink()
        info = summary(data)
        info.update({"probed_duration_s": probed, "gain_db": steps * mp3.GAIN_STEP_DB,
                     "trimmed_start_s": round(start / RATE, 3), "original_duration_s": round(full_seconds, 3),
                     "playback": f"mp3 {BITRATE} {RATE} Hz mono"})
        return MediaResult(kind="audio", duration_s=round(len(trimmed) / RATE, 2), waveform=peaks(trimmed),
                           playback_path=out, info=info)
    finally:
        run.stop()
