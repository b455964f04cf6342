"""The audio pipeline on standard tools: ffprobe's JSON decides what the probe can decide before anything
is decoded; one ffmpeg decode gives the PCM numpy analyses; one ffmpeg encode writes the playback MP3
with the trim and the gain applied."""

import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from config.ffmpeg import ffmpeg_path
from submissions.media import MediaRefused, analyse, audio
from submissions.media.limits import DEFAULTS
from submissions.media.probe import probe_duration

LIMITS = DEFAULTS["audio"]


def decode(path: Path) -> np.ndarray:
    done = subprocess.run([ffmpeg_path(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "16000",
                           "pipe:1"], capture_output=True, check=True)
    return np.frombuffer(done.stdout, dtype=np.int16).astype(np.float64)


def rms_db(samples: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(samples * samples)) / 32768)


def ffmpeg(*args) -> None:
    subprocess.run([ffmpeg_path(), "-v", "error", "-y", *map(str, args)], check=True)


def tool_runs(monkeypatch) -> list[str]:
    """Record the name of every tool the pipeline runs (ffprobe, ffmpeg)."""
    runs, real = [], subprocess.run

    def run(args, *rest, **kwargs):
        runs.append(Path(args[0]).name)
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    return runs


def never_decode(monkeypatch) -> None:
    def decode_called(*args, **kwargs):
        raise AssertionError("the recording was decoded")

    monkeypatch.setattr(audio, "decode", decode_called)


def test_one_probe_one_decode_one_encode(corpus, tmp_path, monkeypatch):
    runs = tool_runs(monkeypatch)
    result = analyse(corpus / "audio" / "yonge_phone.m4a", kind="audio", limits=LIMITS, workdir=tmp_path)
    assert runs == ["ffprobe", "ffmpeg", "ffmpeg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["playback.mp3"]  # no FIFO, no intermediate files
    assert result.info["container"] == "mov,mp4,m4a,3gp,3g2,mj2"  # ffprobe's own format name
    assert result.info["streams"][0]["codec_name"] == "aac"


def test_too_long_file_is_refused_from_the_probe_before_decoding(corpus, tmp_path, monkeypatch):
    never_decode(monkeypatch)
    runs = tool_runs(monkeypatch)
    with pytest.raises(MediaRefused) as refused:
        analyse(corpus / "audio" / "bad_too_long_15min.mp3", kind="audio", limits=LIMITS, workdir=tmp_path)
    assert refused.value.code == "too_long"
    assert runs == ["ffprobe"]
    assert list(tmp_path.iterdir()) == []


def test_two_hour_file_is_refused_from_the_probe_before_decoding(corpus, tmp_path, monkeypatch):
    # Two hours of the corpus MP3, packets copied (no encoding): a real file ffprobe reads as 7200 s.
    long = tmp_path / "two_hours.mp3"
    ffmpeg("-stream_loop", "-1", "-i", corpus / "audio" / "chunxiao.mp3", "-t", "7200", "-c", "copy", long)
    never_decode(monkeypatch)
    # Without the size limit (the file is 55 MB): the duration must refuse it.
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(MediaRefused) as refused:
        analyse(long, kind="audio", limits=replace(LIMITS, max_bytes=None), workdir=work)
    assert refused.value.code == "too_long"
    assert "120 分钟" in refused.value.message_zh and "120 min" in refused.value.message_en


def test_quiet_recording_is_brought_to_the_target_level(corpus, tmp_path):
    quiet = tmp_path / "quiet.wav"
    ffmpeg("-i", corpus / "audio" / "jingyesi_16k_mono.wav", "-af", "volume=-25dB", quiet)
    work = tmp_path / "work"
    work.mkdir()
    result = analyse(quiet, kind="audio", limits=LIMITS, workdir=work)
    assert result.info["gain_db"] >= 20
    played = decode(result.playback_path)
    assert -24 < rms_db(played) < -16
    assert np.max(np.abs(played)) < 32768 * 10 ** (-0.5 / 20)  # under the peak ceiling, no clipping
    assert len(result.waveform) == 200 and max(result.waveform) == 1.0
    assert sorted(p.name for p in work.iterdir()) == ["playback.mp3"]


def test_silence_is_trimmed_exactly_and_a_loud_voice_is_lowered(tmp_path):
    # 2 s of silence, 4 s of a loud warbling tone (sine's amplitude is 1/8: peaks at -2 dBFS), 3 s of silence.
    source = tmp_path / "padded.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=4:sample_rate=44100",
           "-af", "volume='6*(0.6+0.4*sin(2*PI*t*2))':eval=frame,adelay=2000,apad=pad_dur=3", "-ac", "2", source)
    work = tmp_path / "work"
    work.mkdir()
    result = analyse(source, kind="audio", limits=LIMITS, workdir=work)
    assert result.info["original_duration_s"] == pytest.approx(9.0, abs=0.05)
    assert result.duration_s == pytest.approx(4.0 + 2 * audio.PAD_S, abs=0.03)
    assert result.info["trimmed_start_s"] == pytest.approx(2.0 - audio.PAD_S, abs=0.02)
    assert result.info["gain_db"] < 0
    played = decode(result.playback_path)
    # The MP3's LAME header tells decoders its padding: the file plays exactly the trimmed span.
    assert len(played) / 16000 == pytest.approx(result.duration_s, abs=0.03)
    assert np.max(np.abs(played)) < 32768 * 10 ** (-0.5 / 20)
    voiced = played[int(audio.PAD_S * 16000):-int(audio.PAD_S * 16000)]
    assert -21 < rms_db(voiced) < -15


def test_probe_duration_comes_from_ffprobe_json(corpus, tmp_path):
    from submissions.media.probe import probe

    data = probe(corpus / "audio" / "bad_too_long_15min.mp3")
    assert probe_duration(data) == pytest.approx(900, abs=1)
    assert probe(corpus / "audio" / "bad_text_named.mp3") is None
