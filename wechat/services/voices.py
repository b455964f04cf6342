"""Voice messages that become entries: kept, confirmed by the family, marked as they progress."""

from django.utils import timezone

from campaigns.models import User
from config.errors import UserFacingError
from config.tasks import enqueue
from wechat.models import (
    Follower,
    VoiceMessage,
)


def voice_receive(*, follower: Follower, media_id: str, media_id_16k: str = "", fmt: str = "amr", msg_id: str = "",
                  event_id: int | None = None, source: str = VoiceMessage.Source.MESSAGE,
                  child_id: int | None = None, poem_id: int | None = None,
                  poem_hint_id: int | None = None) -> VoiceMessage:
    """Keep the voice's media id and fetch it at once (WeChat deletes it after 3 days)."""
    voice, created = VoiceMessage.objects.get_or_create(
        source=source, media_id=media_id,
        defaults={"follower": follower, "media_id_16k": media_id_16k, "format": fmt, "msg_id": msg_id,
                  "event_id": event_id, "child_id": child_id, "poem_id": poem_id, "poem_hint_id": poem_hint_id},
    )
    if created:
        enqueue("wechat.tasks.voice_fetch", voice.id)
    return voice


def voice_choose(*, voice: VoiceMessage, user: User, child_id: int, poem_id: int | None) -> VoiceMessage:
    """The family picked the child and the poem on the confirmation page."""
    from events.models import Event

    if voice.follower.user_id != user.id:
        raise UserFacingError("voice_not_yours", "这条语音不属于当前账号。", "This voice message belongs to another account.",
                              status=403)
    if voice.status in (VoiceMessage.Status.SUBMITTED,):
        raise UserFacingError("voice_already_submitted", "这条语音已经提交为作品。", "This voice message is already an entry.")
    if not user.children.filter(pk=child_id).exists():
        raise UserFacingError("voice_child_unknown", "请选择您自己的孩子。", "Choose one of your own children.")
    event = Event.objects.filter(pk=voice.event_id).first()
    if event is None:
        raise UserFacingError("voice_no_event", "目前没有开放的诵读活动。", "No recitation event is open now.")
    if event.poems.exists() and (poem_id is None or not event.poems.filter(pk=poem_id).exists()):
        raise UserFacingError("voice_poem_required", "请选择朗读的诗词。", "Choose the poem that was recited.")
    VoiceMessage.objects.filter(pk=voice.pk).update(child_id=child_id, poem_id=poem_id)
    voice.refresh_from_db()
    if voice.status in (VoiceMessage.Status.DOWNLOADED, VoiceMessage.Status.NEEDS_CONFIRMATION):
        enqueue("wechat.tasks.voice_submit", voice.id)
    return voice


def voice_mark(*, voice_id: int, status: str, error: str = "", entry_id: int | None = None) -> None:
    updates = {"status": status, "error": error, "updated_at": timezone.now()}
    if entry_id is not None:
        updates["entry_id"] = entry_id
    VoiceMessage.objects.filter(pk=voice_id).update(**updates)
