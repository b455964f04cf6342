"""Killing the worker (SIGKILL, the whole qcluster process group) in the middle of processing and
starting it again leaves every entry ready or rejected: none lost, none duplicated, none stuck; and the
copy of the child's recording the killed worker was processing is removed when the worker starts again."""

import subprocess

import pytest

from config.ffmpeg import ffmpeg_path
from tests.submissions.scripts.common import FileProject

pytestmark = pytest.mark.slow  # a worker process killed and restarted: `make test-fast` leaves it out


def long_recording(path):
    """Ninety seconds of "speech" (a warbling tone): processing takes long enough to be interrupted."""
    subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=300:duration=90:sample_rate=44100", "-af",
                    "volume='0.5*(0.6+0.4*sin(2*PI*t*2))':eval=frame", "-ac", "2", str(path)], check=True)
    return path


def test_worker_killed_mid_task_then_restarted(template_db, tmp_path, corpus):
    # The lease (= task timeout) must run out before the ORM broker hands the task out again.
    project = FileProject(template_db, tmp_path / "p", Q_WORKERS=1, Q_TIMEOUT=10, Q_RETRY=12)
    files = [long_recording(tmp_path / "long1.wav"), long_recording(tmp_path / "long2.wav"),
             corpus / "audio" / "chunxiao.mp3", corpus / "audio" / "bad_text_named.mp3"]
    entries = project.script("tests.submissions.scripts.submit_many", *map(str, files))["entries"]
    assert project.query("SELECT COUNT(*) FROM django_q_ormq")[0][0] == len(entries)
    try:
        worker = project.start_worker()
        busy = project.wait_for(lambda: project.query(
            "SELECT id FROM submissions_entry WHERE status = 'processing'"), timeout=60, interval=0.02)
        assert busy, "the worker never started processing:\n" + (project.root / "worker.log").read_text()
        killed = busy[0][0]
        processing = project.root / "processing"
        copies = project.wait_for(lambda: list(processing.glob(f"entry-{killed}-*/original.*")), timeout=30)
        assert copies, "the worker never copied the recording into PROCESSING_DIR"
        project.kill(worker)  # SIGKILL: no clean-up of any kind
        assert project.query("SELECT status FROM submissions_entry WHERE id = ?", killed)[0][0] == "processing"
        assert copies[0].exists()  # the killed worker left the child's recording behind

        project.start_worker()
        # The new worker processes remove it as they start (long before the entry is redelivered).
        assert project.wait_for(lambda: not copies[0].parent.exists(), timeout=30), (
            (project.root / "worker.log").read_text()[-3000:])

        def all_final():
            rows = project.query("SELECT status FROM submissions_entry")
            return all(status in ("ready", "rejected") for (status,) in rows)

        assert project.wait_for(all_final, timeout=150, interval=0.5), (
            project.query("SELECT id, status, attempts FROM submissions_entry"),
            (project.root / "worker.log").read_text()[-3000:])
    finally:
        project.stop()
    rows = dict((entry_id, (status, attempts, playback)) for entry_id, status, attempts, playback in project.query(
        "SELECT id, status, attempts, playback FROM submissions_entry"))
    assert sorted(rows) == sorted(entries)  # none lost, none duplicated
    statuses = [rows[e][0] for e in entries]
    assert statuses == ["ready", "ready", "ready", "rejected"]
    assert rows[killed][1] >= 2  # the interrupted entry was processed again
    for entry_id in entries[:3]:
        assert (project.root / "media" / rows[entry_id][2]).is_file()
    assert list((project.root / "processing").iterdir()) == []  # no copy of any recording left
