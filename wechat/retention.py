"""WeChat's part of the retention purge (registered in WechatConfig.ready(); campaigns/retention.py runs it).

Voice messages sent for the campaign's events — drafts never confirmed as well as those that became
entries — are deleted with their stored audio (the entry keeps its own copy until the entries' purger
removes it). WeChat's media ids expire after three days, so nothing can be fetched again."""

from django.db import transaction

from wechat.models import VoiceMessage


def purge_campaign_voice(campaign) -> dict:
    from events.models import Event

    event_ids = list(Event.objects.filter(campaign=campaign).values_list("pk", flat=True))
    voices = VoiceMessage.objects.filter(event_id__in=event_ids)
    names = [name for name in voices.values_list("audio", flat=True) if name]
    count = voices.delete()[1].get(VoiceMessage._meta.label, 0)

    def remove() -> None:
        from django.core.files.storage import default_storage

        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(remove)
    return {"voice_messages": count, "files": len(names)}
