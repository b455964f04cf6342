"""Where media processing works: one directory per attempt, `PROCESSING_DIR/entry-<id>-<pid>-<random>/`.

While a worker processes an entry, that directory holds a copy of the child's original recording or
picture, so it never lives in the system temp folder, where neither the retention purge nor a child's
deletion would reach it. It is removed
  * by the worker when the attempt ends (normally or with an error);
  * when a worker process starts (django-q2's `post_spawn`, see SubmissionsConfig.ready) and by the
    watchdog task: directories whose worker process is gone (a killed worker), and any older than two
    processing leases (django-q2 has killed their task by then);
  * with the entry: a child's deletion and the retention purge remove their entries' directories.

PROCESSING_DIR is local to each machine (like /tmp): the owner check uses process ids."""

import logging
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

NAME = re.compile(r"^entry-(\d+)-(\d+)-")


def root() -> Path:
    path = Path(settings.PROCESSING_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@contextmanager
def workdir(entry_id: int):
    """A fresh directory for one processing attempt of `entry_id`, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix=f"entry-{int(entry_id)}-{os.getpid()}-", dir=root()) as path:
        yield Path(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed worker that nobody has reaped yet (a zombie: its sentinel died with it and a container's
    # init may never reap) still answers kill(pid, 0); on Linux /proc says it is gone.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    log.info("removed processing directory %s", path.name)


def remove_abandoned(*, older_than: float | None = None) -> list[str]:
    """Remove directories whose worker process is gone, or older than `older_than` seconds: their names.
    Called where no processing of this process is under way (a worker's start, the watchdog task)."""
    cutoff = time.time() - older_than if older_than else None
    removed = []
    for path in root().iterdir():
        match = NAME.match(path.name)
        if not match:
            continue
        try:
            age_out = cutoff is not None and path.stat().st_mtime < cutoff
        except FileNotFoundError:
            continue  # its worker finished meanwhile
        owner = int(match.group(2))
        # Our own pid: left by an earlier process that had it (a worker runs one task at a time, and
        # this runs at its start or in its watchdog task, never during its own processing).
        if age_out or owner == os.getpid() or not _alive(owner):
            _remove(path)
            removed.append(path.name)
    return removed


def remove_for_entries(entry_ids) -> list[str]:
    """Remove the processing directories of these entries (deleted or purged): their names."""
    wanted = {str(int(i)) for i in entry_ids}
    removed = []
    if not wanted:
        return removed
    for path in root().iterdir():
        match = NAME.match(path.name)
        if match and match.group(1) in wanted:
            _remove(path)
            removed.append(path.name)
    return removed
