"""Shared fixtures. The test corpus is the project's own (tests/corpus/, made by tests/corpus/generate.py)."""

import os
from pathlib import Path

import pytest

# The suite runs the embedded development setup (its default secrets), and so do the servers and workers
# that tests start as subprocesses: the explicit opt-in of config/production.py.
os.environ.setdefault("SHUXIANG_DEV", "1")

LIBRARIES_CSV = Path(__file__).resolve().parent.parent / "campaigns" / "examples" / "libraries.csv"
# Tests that start servers or other processes: `make test-fast` leaves them out (`-m "not slow"`).
# A test is slow if it carries @pytest.mark.slow, or lives in one of these (files not to be edited here).
SLOW_PATHS = ("tests/e2e/", "tests/config/test_runall.py")


def pytest_configure(config):
    from django.conf import settings

    # The one place tests get a fast password hasher: Django's PBKDF2 costs ~0.3 s per user and the tests
    # are about flows, not hashing cost. A test about hashing sets the real hasher itself.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter):
    """Browser tests skipped for want of Chromium (tests/e2e/conftest.py): one line, with how to install it.
    Here, not there: under xdist only this conftest is loaded in the process that prints the summary."""
    reasons = [report.longrepr[2] for report in terminalreporter.stats.get("skipped", [])
               if isinstance(report.longrepr, tuple) and "apt-get install chromium" in report.longrepr[2]]
    if reasons:
        reason = reasons[0].removeprefix("Skipped: ")
        terminalreporter.write_line(f"{len(reasons)} browser tests skipped: {reason}", yellow=True)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """tests/corpus/ as the tests read it: the committed files (linked) plus the big files, made once per
    test process (a 96 kHz studio WAV, a 15-minute recording)."""
    from tests.corpus.generate import materialise

    return materialise(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _cache_clear():
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception:  # the database cache table exists only once a db test has run
        pass
    yield


@pytest.fixture(autouse=True)
def _close_async_thread_connections():
    """Async tests reach the database through asgiref's one thread-sensitive thread (sync_to_async,
    channels' database_sync_to_async). Its connection outlives the test (CONN_MAX_AGE) and on PostgreSQL
    keeps the test database busy ("being accessed by other users" at teardown): close it after each test."""
    yield
    from asgiref.sync import SyncToAsync

    executor = SyncToAsync.single_thread_executor
    if getattr(executor, "_threads", None):
        from django.db import connections

        executor.submit(connections.close_all).result(timeout=30)


@pytest.fixture(scope="session")
def library_tree_rows(django_db_setup, django_db_blocker) -> list[dict]:
    """The real 459-library tree, imported (every row validated) once per test process and rolled back;
    the `libraries` fixture inserts these rows in each test that asks for it."""
    from django.db import transaction

    from campaigns.library_import import libraries_import
    from campaigns.models import Library

    with django_db_blocker.unblock(), transaction.atomic():
        libraries_import(path=LIBRARIES_CSV)
        rows = list(Library.objects.order_by("path").values("code", "name", "level", "province", "path",
                                                            "parent__code"))
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def libraries(db, library_tree_rows):
    """The real 459-library tree: {code: Library}. Inserted level by level (parents get their ids first)."""
    from campaigns.models import Library

    made: dict = {}
    for rank in range(4):
        level = [Library(parent=made.get(row["parent__code"]), **{k: v for k, v in row.items() if k != "parent__code"})
                 for row in library_tree_rows if row["path"].count("/") == rank + 2]
        made.update((lib.code, lib) for lib in Library.objects.bulk_create(level))
    assert len(made) == len(library_tree_rows)
    return made


@pytest.fixture
def make_user(db):
    from campaigns.models import User

    def make(username: str, *, phone: str | None = None, password: str = "Shuxiang-2027", **extra):
        user = User.objects.create_user(username=username, phone=phone, password=password, **extra)
        user.raw_password = password
        return user

    return make


@pytest.fixture
def organizer(make_user):
    """organizer(library) → a user with an organizer role on that library's subtree."""
    from campaigns.models import OrganizerRole

    def make(library, username: str | None = None):
        user = make_user(username or f"org-{library.code.lower()}", is_staff=True)
        OrganizerRole.objects.create(user=user, library=library)
        return user

    return make
