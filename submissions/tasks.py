"""Task entry points (django-q2, via config.tasks.enqueue). Thin: they take ids and call services."""

from submissions import services


def process_entry(entry_id: int) -> str:
    return services.entry_process(entry_id)


def watchdog() -> list[int]:
    """Scheduled every minute (migration 0002): re-queue entries stuck in received/processing."""
    return services.entries_requeue_stale()
