"""No database connection or pool crosses a fork.

django-q2's cluster forks: the sentinel from `manage.py qcluster`, then the workers, the pusher and
the monitor from the sentinel — again whenever one dies or is recycled, by then after the sentinel has
used the database itself (status, schedules). A forked child inherits its parent's open sockets, and a
connection used on both sides of a fork interleaves two conversations on one socket: "lost
synchronization with server", "insufficient data in "D" message", rollbacks nobody asked for.
django-q2 calls `connections.close_all()` before it forks, but with Django's PostgreSQL pool
(`DATABASE_POOL_MAX`) closing only hands the connection back to the pool, which stays open across the
fork (and its maintenance threads do not survive it).

`install()` (called by ConfigConfig.ready() in the qcluster process) registers two fork hooks:
  * before every fork, in the parent: close this thread's connections and close the pools, so the
    child inherits nothing open (the parent reopens its own on its next query);
  * in every child: should anything still be attached, detach it without closing it (closing would
    end the parent's session on the shared socket), so the child opens its own connections.
"""

import os

from django.db import connections

_installed = False
# Connections a child found attached after a fork: kept referenced (never closed, never collected —
# collecting would close the socket the parent still uses) and never used.
_inherited: list = []


def _pools(conn) -> dict:
    return getattr(type(conn), "_connection_pools", None) or {}


def close_before_fork() -> None:
    """Close this thread's connections and every connection pool (nothing open may be inherited)."""
    for conn in connections.all():
        conn.close()
        if conn.alias in _pools(conn):  # never `conn.pool` here: reading it opens a pool
            conn.close_pool()


def detach_after_fork() -> None:
    """In a fresh child: forget whatever connection or pool the parent still had, without closing it."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _inherited.append(conn.connection)
            conn.connection = None
    for conn in connections.all():
        pools = _pools(conn)
        if conn.alias in pools:
            _inherited.append(pools.pop(conn.alias))


def install() -> None:
    """Register the fork hooks once for this process (and the processes it forks)."""
    global _installed
    if not _installed:
        os.register_at_fork(before=close_before_fork, after_in_child=detach_after_fork)
        _installed = True
