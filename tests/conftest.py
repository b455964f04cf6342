"""Shared fixtures. Tests read the corpus from ../shared/corpus (SHUXIANG_CORPUS overrides)."""

import os
from pathlib import Path

import pytest
from django.conf import settings

CORPUS = Path(os.environ.get("SHUXIANG_CORPUS", settings.BASE_DIR.parent / "shared" / "corpus")).resolve()


@pytest.fixture(scope="session")
def corpus() -> Path:
    assert CORPUS.is_dir(), f"test corpus not found at {CORPUS}"
    return CORPUS


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


@pytest.fixture
def libraries(db, corpus):
    """The real 459-library tree."""
    from campaigns.library_import import libraries_import
    from campaigns.models import Library

    libraries_import(path=corpus / "data" / "libraries.csv")
    return {lib.code: lib for lib in Library.objects.all()}


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
