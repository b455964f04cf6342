"""Children's recordings are processed in PROCESSING_DIR (never the system temp folder), and the copies
are removed when the attempt ends, when a worker starts, by the watchdog and with the entry.
(A worker killed mid-processing, end to end: test_worker_crash.py.)"""

import os
import subprocess
import sys
import tempfile
import time

import pytest

from submissions import services, workdirs
from submissions.apps import remove_abandoned_workdirs
from submissions.models import Entry
from tests.submissions.conftest import api_submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def processing_dir(settings, tmp_path):
    settings.PROCESSING_DIR = tmp_path / "processing"
    return settings.PROCESSING_DIR


def dead_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def leftover(processing_dir, entry_id: int, pid: int, age_s: float = 0):
    """What a worker killed mid-processing leaves: its directory with a copy of the original."""
    path = processing_dir / f"entry-{entry_id}-{pid}-abc123"
    path.mkdir(parents=True)
    (path / "original.wav").write_bytes(b"RIFF child's voice")
    if age_s:
        past = time.time() - age_s
        os.utime(path, (past, past))
    return path


def submitted(corpus, contest, family, client, key="w") -> int:
    _, events = contest
    return api_submit(client, events["recitation"], family[1], corpus / "audio" / "chunxiao.mp3", key=key,
                      poem=events["poem"]).json()["id"]


def test_processing_works_in_the_processing_dir_and_leaves_nothing(corpus, contest, family, guardian_client,
                                                                    processing_dir, monkeypatch):
    entry_id = submitted(corpus, contest, family, guardian_client)
    seen = {}
    real = services.analyse

    def analyse(path, **kwargs):
        seen["path"], seen["files"] = path, sorted(p.name for p in path.parent.iterdir())
        return real(path, **kwargs)

    monkeypatch.setattr(services, "analyse", analyse)
    assert services.entry_process(entry_id) == "ready"
    work = seen["path"].parent
    assert work.parent == processing_dir
    assert work.name.startswith(f"entry-{entry_id}-{os.getpid()}-")
    assert seen["files"] == ["original.mp3"]  # the child's recording was copied here...
    assert not str(work).startswith(tempfile.gettempdir() + "/tmp")
    assert list(processing_dir.iterdir()) == []  # ...and is gone with the attempt


def test_a_refused_or_failing_attempt_leaves_nothing(corpus, contest, family, guardian_client, processing_dir,
                                                     monkeypatch):
    entry_id = submitted(corpus, contest, family, guardian_client)

    def crash(path, **kwargs):
        raise RuntimeError("ffmpeg crashed")

    monkeypatch.setattr(services, "analyse", crash)
    with pytest.raises(RuntimeError):
        services.entry_process(entry_id)
    assert list(processing_dir.iterdir()) == []


def test_a_starting_worker_removes_what_dead_workers_left(processing_dir):
    dead = leftover(processing_dir, 7, dead_pid())
    mine = leftover(processing_dir, 8, os.getpid())  # an earlier process with this pid: not in use now
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = leftover(processing_dir, 9, sibling.pid)  # another worker, still processing
        other = processing_dir / "not-ours"
        other.mkdir()
        remove_abandoned_workdirs(sender="django_q", proc_name="Process-1")
        assert not dead.exists() and not mine.exists()
        assert busy.exists() and other.exists()
    finally:
        sibling.kill()
        sibling.wait()


def test_the_watchdog_removes_dead_and_outdated_directories(processing_dir):
    dead = leftover(processing_dir, 7, dead_pid())
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stuck = leftover(processing_dir, 8, sibling.pid, age_s=services.processing_lease().total_seconds() * 2 + 60)
        busy = leftover(processing_dir, 9, sibling.pid)
        services.entries_requeue_stale()
        assert not dead.exists()
        assert not stuck.exists()  # django-q2 has killed its task long ago
        assert busy.exists()
    finally:
        sibling.kill()
        sibling.wait()


def test_deleting_a_child_removes_its_processing_copies(corpus, contest, family, guardian_client, processing_dir,
                                                         django_capture_on_commit_callbacks):
    from campaigns.services import child_delete

    entry_id = submitted(corpus, contest, family, guardian_client)
    copy = leftover(processing_dir, entry_id, os.getpid())
    someone_else = leftover(processing_dir, entry_id + 1000, os.getpid())
    with django_capture_on_commit_callbacks(execute=True):
        child_delete(child=family[1], actor=family[0])
    assert not Entry.objects.filter(pk=entry_id).exists()
    assert not copy.exists()
    assert someone_else.exists()


def test_the_retention_purge_removes_processing_copies(corpus, contest, family, guardian_client, processing_dir,
                                                       django_capture_on_commit_callbacks):
    from submissions.retention import purge_campaign_entries

    campaign, _ = contest
    entry_id = submitted(corpus, contest, family, guardian_client)
    copy = leftover(processing_dir, entry_id, os.getpid())
    with django_capture_on_commit_callbacks(execute=True):
        purge_campaign_entries(campaign)
    assert not copy.exists()
    assert workdirs.remove_for_entries([entry_id]) == []  # idempotent


def test_a_killed_worker_not_yet_reaped_counts_as_gone():
    """A SIGKILLed worker whose parent died with it stays a zombie until someone reaps it; its
    directory must still be removed."""
    import time

    from submissions.workdirs import _alive

    child = subprocess.Popen([sys.executable, "-c", "pass"])  # exits at once; not waited for: a zombie
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(f"/proc/{child.pid}/stat") as fh:
            if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        time.sleep(0.05)
    try:
        assert _alive(child.pid) is False
        assert _alive(os.getpid()) is True
    finally:
        child.wait()


def test_large_uploads_spool_into_the_processing_directory(settings, rf):
    """A recording bigger than the in-memory limit is written to disk while the request is read: into
    UPLOAD_TEMP_DIR (var/uploads), never the system temp folder."""
    from pathlib import Path

    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    handler = TemporaryFileUploadHandler(rf.post("/"))
    handler.new_file("file", "recording.m4a", "audio/mp4", 10_000_000)
    handler.receive_data_chunk(b"\0" * 1024, 0)
    spooled = Path(handler.file_complete(1024).temporary_file_path())
    try:
        assert spooled.parent == Path(settings.FILE_UPLOAD_TEMP_DIR)
        if not os.environ.get("UPLOAD_TEMP_DIR"):
            assert spooled.parent == Path(settings.BASE_DIR) / "var" / "uploads"  # the project's, not /tmp
    finally:
        handler.file.close()
