"""Long-lived database threads for the quiz hot path.

Django under ASGI runs every sync request in a fresh thread, and a fresh thread opens a fresh
database connection (on SQLite ~2 ms of connect + PRAGMAs + function registration, more than the
answer itself). On New Year's Eve that is the whole cost of a burst. The answer and question
endpoints therefore hand their service call to a small pool of long-lived threads that keep
their connections: one thread on SQLite (which has one writer anyway), a few on PostgreSQL.

Only inside the ASGI server: elsewhere (tests, shell, tasks) the call runs inline. The caller's
event loop is passed along so after-commit broadcasts still reach the in-memory channel layer."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from django.db import DatabaseError, connection

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            default = "1" if connection.vendor == "sqlite" else "4"
            _executor = ThreadPoolExecutor(max_workers=int(os.environ.get("QUIZ_DB_THREADS", default)),
                                           thread_name_prefix="quiz-db")
        return _executor


def _server_loop():
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is not None and getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid():
        return loop
    return None


def _run(loop, pid, func, args, kwargs):
    SyncToAsync.threadlocal.main_event_loop = loop
    SyncToAsync.threadlocal.main_event_loop_pid = pid
    if connection.connection is not None and not connection.is_usable():
        connection.close()
    try:
        return func(*args, **kwargs)
    except DatabaseError:
        connection.close()  # never keep a broken connection for the next request
        raise
    finally:
        SyncToAsync.threadlocal.main_event_loop = None


def run(func, *args, **kwargs):
    """Call func in a long-lived DB thread when serving ASGI requests, else inline."""
    loop = _server_loop()
    if loop is None or os.environ.get("QUIZ_DB_THREADS") == "0":
        return func(*args, **kwargs)
    return _pool().submit(_run, loop, os.getpid(), func, args, kwargs).result()
