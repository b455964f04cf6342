"""Recitations: probe → validate (type, duration, size, silence) → mono, trimmed, loudness-normalised
MP3 for playback, duration and waveform peaks. pydub does the audio arithmetic over ffmpeg's PCM.

Memory stays flat whatever the input: ffmpeg decodes straight to 16-bit mono PCM at the playback
rate (a 5-minute recording is ~13 MB of samples) and the decode is capped at the event's
maximum duration, so a file that lies about its length cannot make us decode hours."""

import subprocess
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from config.ffmpeg import configure_pydub, ffmpeg_path
from submissions.media.errors import fmt_bytes, fmt_seconds, refuse
from submissions.media.limits import MediaLimits
from submissions.media.probe import audio_streams, looks_like_text, probe, probe_duration, sniff, summary

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
ESTIMATED_DURATION_CODECS = {"amr_nb", "amrnb", "amr_wb", "amrwb", "speex", "silk"}


def refuse_not_audio():
    return refuse("not_audio", "这不是音频文件，请上传录音（如 mp3、m4a、wav）",
                  "This is not an audio file; upload a recording (e.g. mp3, m4a, wav)")


def refuse_damaged():
    return refuse("damaged_file", "文件已损坏或不完整，请重新录制或重新导出后再上传",
                  "The file is damaged or incomplete; record or export it again and upload it")


def check_file(path: Path, limits: MediaLimits) -> tuple[dict, float | None]:
    """The checks made from the file and its probe alone (no decoding)."""
    size = path.stat().st_size
    if size == 0:
        raise refuse("empty_file", "文件是空的（0 字节），请重新录制或选择正确的文件",
                     "The file is empty (0 bytes); record again or choose the right file")
    if limits.max_bytes and size > limits.max_bytes:
        raise refuse("file_too_large", f"文件太大（{fmt_bytes(size)}），最大 {fmt_bytes(limits.max_bytes)}",
                     f"The file is too large ({fmt_bytes(size)}); the limit is {fmt_bytes(limits.max_bytes)}",
                     limit_bytes=limits.max_bytes)
    data = probe(path)
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
    return data, duration


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


def _start_encoder(out: Path) -> subprocess.Popen:
    """Started before decoding so its start-up overlaps it; it waits for PCM on stdin."""
    return subprocess.Popen(
        [ffmpeg_path(), "-v", "error", "-nostdin", "-y", "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
         "-c:a", "libmp3lame", "-b:a", BITRATE, "-map_metadata", "-1", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def start_decoder(path: Path, limits: MediaLimits) -> subprocess.Popen:
    """ffmpeg decoding to 16-bit mono PCM on a pipe, capped at the event's maximum duration.
    Started only after the probe accepted the file (a too-long file is refused without decoding)."""
    cap = (limits.max_seconds or 3600) + 1
    return subprocess.Popen(
        [ffmpeg_path(), "-v", "error", "-nostdin", "-i", str(path), "-t", str(cap), "-vn", "-map", "0:a:0",
         "-ac", "1", "-ar", str(RATE), "-f", "s16le", "pipe:1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def read_decoded(decoder: subprocess.Popen) -> AudioSegment:
    try:
        stdout, stderr = decoder.communicate(timeout=DECODE_TIMEOUT)
    except subprocess.TimeoutExpired:
        decoder.kill()
        decoder.communicate()
        raise refuse_damaged() from None
    if not stdout or (decoder.returncode != 0 and len(stdout) < RATE * 2 * 0.1):
        raise refuse_damaged()
    raw = stdout[: len(stdout) // 2 * 2]
    segment = AudioSegment(data=raw, sample_width=2, frame_rate=RATE, channels=1)
    errors = stderr.decode(errors="replace").lower()
    segment.cut_off = any(marker in errors for marker in ("partial file", "truncat", "moov atom"))
    return segment


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream and not stream.closed:
            stream.close()


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

    configure_pydub()
    out = workdir / "playback.mp3"
    data, probed = check_file(path, limits)  # the verdict from the probe alone comes first, and cheaply
    # The encoder starts now and waits for PCM on stdin: its start-up overlaps the decoding.
    encoder = _start_encoder(out)
    decoder = None
    try:
        decoder = start_decoder(path, limits)
        segment = read_decoded(decoder)
        samples = np.frombuffer(segment.raw_data, dtype=np.int16)
        full_seconds = len(samples) / RATE
        codec = (audio_streams(data)[0].get("codec_name") or "").lower()
        # The header promises more than the file holds: cut off in transfer. (Voice codecs with
        # silence suppression — AMR, Speex — have estimated durations, so only ffmpeg's word counts.)
        shortfall = probed and full_seconds < probed * 0.8 - 0.5 and codec not in ESTIMATED_DURATION_CODECS
        if segment.cut_off or shortfall:
            raise refuse_damaged()
        check_duration(full_seconds, limits)  # files whose header had no duration (MediaRecorder WebM)
        levels = frame_levels(samples)
        voiced = np.flatnonzero(levels > SILENCE_FLOOR_DBFS)
        if len(voiced) * FRAME_MS / 1000 < MIN_VOICED_S:
            raise refuse("no_voice", "录音里没有听到声音，请检查麦克风后重新录制",
                         "No voice was heard in the recording; check the microphone and record again")
        start_ms = max(0, int(voiced[0]) * FRAME_MS - int(PAD_S * 1000))
        end_ms = min(len(segment), (int(voiced[-1]) + 1) * FRAME_MS + int(PAD_S * 1000))
        trimmed = segment[start_ms:end_ms]
        del samples, segment  # only the trimmed copy is needed from here on
        check_duration(len(trimmed) / 1000, limits, voiced=True)
        voiced_levels = levels[voiced]
        loudness = 10 * np.log10(np.mean(10 ** (voiced_levels / 10)))  # mean power of the voiced frames
        gain = min(TARGET_DBFS - float(loudness), PEAK_CEILING - trimmed.max_dBFS)
        normalised = trimmed.apply_gain(gain)
        del trimmed
        try:
            _, err = encoder.communicate(normalised.raw_data, timeout=DECODE_TIMEOUT)
        except BrokenPipeError:
            _, err = encoder.communicate(timeout=DECODE_TIMEOUT)
        if encoder.returncode != 0:
            raise RuntimeError(f"mp3 encoding failed: {err.decode(errors='replace')[-500:]}")
        out_samples = np.frombuffer(normalised.raw_data, dtype=np.int16)
        info = summary(data)
        info.update({"probed_duration_s": probed, "gain_db": round(gain, 2), "trimmed_start_s": start_ms / 1000,
                     "original_duration_s": round(full_seconds, 3), "playback": f"mp3 {BITRATE} {RATE} Hz mono"})
        return MediaResult(kind="audio", duration_s=round(len(normalised) / 1000, 2), waveform=peaks(out_samples),
                           playback_path=out, info=info)
    finally:
        _stop(decoder)
        _stop(encoder)
