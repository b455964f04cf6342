"""The task wrapper: every background job goes through here, after the transaction commits.

Tasks take ids, never objects, and must be idempotent: django-q2 retries a task whose worker died.
Swap the backend here (e.g. to django.tasks) without touching callers."""

from django.db import transaction
from django_q.tasks import async_task


def enqueue(func_path: str, *args, task_name: str | None = None, group: str | None = None) -> None:
    """Enqueue `func_path(*args)` once the current transaction commits (at once outside one)."""

    def send() -> None:
        options = {}
        if task_name:
            options["task_name"] = task_name
        if group:
            options["group"] = group
        async_task(func_path, *args, **options)

    transaction.on_commit(send)
