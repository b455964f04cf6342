"""Scheduled tasks (django-q2). Idempotent: safe to run twice or concurrently."""

from reports.services import visits_rollup


def visits_rollup_task() -> int:
    return visits_rollup()
