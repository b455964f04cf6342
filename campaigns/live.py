"""Live participant counters. The page renders the count from the database; the socket then pushes
each change. A change is broadcast after the registration commits, with the count re-read at that
moment, so a late or repeated message never shows a stale number; a reconnecting socket is sent the
current count at once."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from campaigns.page_cache import forget_branch_participants, remember_participants
from campaigns.selectors import campaign_participant_count


def participants_group(campaign_id: int) -> str:
    return f"campaign-{campaign_id}-participants"


def participants_message(campaign_id: int) -> dict:
    count = campaign_participant_count(campaign_id)
    remember_participants(campaign_id, count)  # the pages' cached count follows (campaigns/page_cache.py)
    return {"type": "participants.update", "campaign": campaign_id, "participants": count}


def broadcast_participants(campaign_id: int, library=None) -> None:
    """Send the current count to every open campaign page, once the surrounding transaction commits;
    the branch pages of `library` (where a child registered) and its ancestors count it at once too."""

    def send() -> None:
        if library is not None:
            forget_branch_participants(campaign_id, library)
        layer = get_channel_layer()
        if layer is None:
            return
        async_to_sync(layer.group_send)(participants_group(campaign_id), participants_message(campaign_id))

    transaction.on_commit(send)
