"""Background jobs of the quiz layer (django-q2). Idempotent; they take ids, not objects."""

from events.services import attempts_close_expired


def quiz_close_expired() -> int:
    """Scheduled every minute (migration 0003): close and score attempts past their deadline."""
    return attempts_close_expired()
