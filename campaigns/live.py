"""Live participant counters. The page renders the count from the database; the socket then pushes
each change. A change is broadcast after the registration commits, with the count re-read at that
moment, so a late or repeated message never shows a stale number; a reconnecting socket is sent the
current count at once."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from campaigns.selectors import campaign_participant_count


def participants_group(campaign_id: int) -> str:
    return f"campaign-{campaign_id}-participants"


def participants_message(campaign_id: int) -> dict:
    return {"type": "participants.update", "campaign": campaign_id,
            "participants": campaign_participant_count(campaign_id)}


def broadcast_participants(campaign_id: int) -> None:
    """Send the current count to every open campaign page, once the surrounding transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        async_to_sync(layer.group_send)(participants_group(campaign_id), participants_message(campaign_id))

    transaction.on_commit(send)
