"""What every judging service shares: the bilingual error and the progress broadcast."""

from __future__ import annotations

from django.db import transaction

from config.errors import UserFacingError


def error(code: str, zh: str, en: str, status: int = 400, **extra) -> UserFacingError:
    return UserFacingError(code, zh, en, status=status, **extra)


def broadcast_progress(round_id: int) -> None:
    """Tell the chief judge's page to re-read progress (after commit; the page re-reads on connect too)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    def send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(f"judging-round-{round_id}", {"type": "progress.changed"})

    transaction.on_commit(send)
