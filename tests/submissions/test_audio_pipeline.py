"""The one-ffmpeg audio pipeline: the probe read from ffmpeg's own dump, the gate before decoding, and
the trim + gain applied to the MP3 frames without re-encoding."""

import subprocess
from pathlib import Path

import numpy as np
import pytest

from config.ffmpeg import ffmpeg_path
from submissions.media import MediaRefused, analyse, mp3
from submissions.media.limits import DEFAULTS
from submissions.media.probe import audio_streams, parse_dump, probe, probe_duration
from tests.submissions.conftest import CORPUS_DIRS

ACCEPTED = [name for name, verdict in CORPUS_DIRS["audio"][1].items() if verdict is None]


def decode(path: Path) -> np.ndarray:
    done = subprocess.run([ffmpeg_path(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "16000",
                           "pipe:1"], capture_output=True, check=True)
    return np.frombuffer(done.stdout, dtype=np.int16).astype(np.float64)


def rms_db(samples: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(samples * samples)) / 32768)


@pytest.mark.parametrize("name", ACCEPTED)
def test_ffmpeg_dump_gives_the_facts_ffprobe_gives(corpus, name):
    path = corpus / "audio" / name
    done = subprocess.run([ffmpeg_path(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    dumped = parse_dump(done.stderr.splitlines())
    probed = probe(path)
    assert dumped is not None
    assert abs(probe_duration(dumped) - probe_duration(probed)) < 0.02
    ours, theirs = audio_streams(dumped)[0], audio_streams(probed)[0]
    assert ours["codec_name"] == theirs["codec_name"]
    assert ours["sample_rate"] == theirs["sample_rate"] and ours["channels"] == theirs["channels"]
    assert dumped["format"]["format_name"] == probed["format"]["format_name"]


def test_too_long_file_is_refused_before_ffmpeg_decodes_anything(corpus, tmp_path):
    with pytest.raises(MediaRefused) as refused:
        analyse(corpus / "audio" / "bad_too_long_15min.mp3", kind="audio", limits=DEFAULTS["audio"], workdir=tmp_path)
    assert refused.value.code == "too_long"
    # ffmpeg was stopped while waiting to open its first output: the MP3 output was never even created.
    assert list(tmp_path.iterdir()) == []


def test_quiet_recording_is_brought_to_the_target_level(corpus, tmp_path):
    quiet = tmp_path / "quiet.wav"
    subprocess.run([ffmpeg_path(), "-v", "error", "-i", str(corpus / "audio" / "jingyesi_16k_mono.wav"),
                    "-af", "volume=-25dB", str(quiet)], check=True)
    work = tmp_path / "work"
    work.mkdir()
    result = analyse(quiet, kind="audio", limits=DEFAULTS["audio"], workdir=work)
    assert result.info["gain_db"] >= 20
    played = decode(result.playback_path)
    assert -24 < rms_db(played) < -16
    assert np.max(np.abs(played)) < 32768 * 10 ** (-0.5 / 20)  # under the peak ceiling, no clipping
    assert len(result.waveform) == 200 and max(result.waveform) == 1.0
    assert sorted(p.name for p in work.iterdir()) == ["playback.mp3"]


def test_mp3_cut_and_gain_without_reencoding(tmp_path):
    source = tmp_path / "tone.mp3"
    subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=3",
                    "-af", "volume=-20dB", "-c:a", "libmp3lame", "-b:a", "64k", "-reservoir", "0", "-write_xing", "0",
                    "-id3v2_version", "0", "-f", "mp3", str(source)], check=True)
    data = source.read_bytes()
    spans = mp3.frames(data)
    assert len(spans) >= 3 * 16000 // mp3.SAMPLES_PER_FRAME
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(mp3.cut_and_gain(data, 10, 60, 4))  # +6 dB
    assert len(mp3.frames(cut.read_bytes())) == 50
    before, after = decode(source), decode(cut)
    assert len(after) == 50 * mp3.SAMPLES_PER_FRAME
    # Steady part of the tone: exactly 4 steps of 1.5 dB louder.
    assert abs(rms_db(after[2000:-2000]) - rms_db(before[8000:30000]) - 6.0) < 0.2
    with pytest.raises(ValueError):
        mp3.frames(b"ID3" + data)


def test_tags_cannot_pose_as_the_dump_facts():
    lines = [
        "Input #0, mp3, from 'x.mp3':",
        "  Metadata:",
        "    Duration: 0:0:1 : 1",
        "    Stream #0:9:: Audio: fake",
        "  Duration: 00:15:00.02, start: 0.025057, bitrate: 8 kb/s",
        "  Stream #0:0: Audio: mp3, 8000 Hz, mono, fltp, 8 kb/s",
    ]
    data = parse_dump(lines)
    assert probe_duration(data) == pytest.approx(900.02)
    assert [s["codec_name"] for s in data["streams"]] == ["mp3"]
    assert data["streams"][0]["sample_rate"] == "8000" and data["streams"][0]["channels"] == 1
    assert parse_dump(["x.mp3: Invalid data found when processing input"]) is None
