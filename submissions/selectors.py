"""Reads of entries: a family's entries, an organizer's moderation queue, the public gallery, and the
state a page/WebSocket/API shows for one entry."""

from django.db.models import QuerySet

from campaigns.models import Child, ConsentRecord, User
from campaigns.selectors import scope_queryset
from events.models import Event
from submissions import access
from submissions.models import Entry

STATUS_TEXT = {
    "received": ("已收到，排队处理中", "Received, waiting to be processed"),
    "processing": ("正在处理（检查格式、时长、音量…）", "Processing (checking format, length, volume…)"),
    "ready": ("已完成，作品有效", "Ready: the entry is valid"),
    "rejected": ("未通过检查", "Refused"),
    "withdrawn": ("已撤回", "Withdrawn"),
    "disqualified": ("已被取消资格", "Disqualified"),
    "replaced": ("已被新提交的作品替换", "Replaced by a newer submission"),
}


def entries_of_children(children) -> QuerySet[Entry]:
    return (Entry.objects.filter(child__in=list(children)).select_related("event", "event__campaign", "child", "poem")
            .order_by("-created_at", "-id"))


def entries_of_guardian(user: User) -> QuerySet[Entry]:
    return entries_of_children(Child.objects.filter(guardian=user))


def live_entry(*, event: Event, child: Child) -> Entry | None:
    return Entry.objects.filter(event=event, child=child).exclude(status__in=Entry.NOT_LIVE).first()


def moderation_queue(user: User, *, event: Event | None = None, state: str = "pending") -> QuerySet[Entry]:
    qs = Entry.objects.exclude(status__in=Entry.NOT_LIVE).select_related(
        "event", "event__campaign", "child", "library", "poem")
    if event is not None:
        qs = qs.filter(event=event)
    if state in ("pending", "approved", "rejected"):
        qs = qs.filter(moderation=state)
    if state == "pending":
        qs = qs.filter(status=Entry.Status.READY)
    return scope_queryset(qs, user, "library").order_by("created_at", "id")


def _children_with_gallery_consent(child_ids) -> set[int]:
    newest: dict[int, bool] = {}
    for record in ConsentRecord.objects.filter(child_id__in=child_ids, purpose="gallery").order_by("recorded_at", "id"):
        newest[record.child_id] = record.granted
    return {child_id for child_id, granted in newest.items() if granted}


def gallery_entries(event: Event, *, limit: int = 60, offset: int = 0) -> list[Entry]:
    """Approved, ready entries of the event whose guardian's gallery consent is in force."""
    qs = (Entry.objects.filter(event=event, status=Entry.Status.READY, moderation=Entry.Moderation.APPROVED)
          .exclude(playback="", text="")  # nothing left to show (the retention purge removed it)
          .select_related("child", "library", "poem").order_by("-processed_at", "-id"))
    candidates = list(qs[offset:offset + limit * 2])
    allowed = _children_with_gallery_consent({e.child_id for e in candidates})
    return [entry for entry in candidates if entry.child_id in allowed][:limit]


def entry_state(entry: Entry, *, viewer=None) -> dict:
    """What a page, the WebSocket and the API show for one entry (media as signed URLs for `viewer`)."""
    status_zh, status_en = STATUS_TEXT.get(entry.status, (entry.status, entry.status))
    state = {
        "id": entry.pk,
        "event": entry.event_id,
        "child": entry.child_id,
        "kind": entry.kind,
        "status": entry.status,
        "status_zh": status_zh,
        "status_en": status_en,
        "final": entry.is_final,
        "moderation": entry.moderation,
        "channel": entry.channel,
        "poem": entry.poem.title if entry.poem_id else None,
        "reason_code": entry.reason_code or None,
        "message_zh": entry.message_zh or None,
        "message_en": entry.message_en or None,
        "duration_s": entry.duration_s,
        "char_count": entry.char_count,
        "sha256": entry.original_sha256,
        "created_at": entry.created_at.isoformat() if entry.created_at else None,
        "processed_at": entry.processed_at.isoformat() if entry.processed_at else None,
        "replaces": entry.replaces_id,
        "playback_url": None,
        "thumbnail_url": None,
    }
    if viewer is not None:
        state["playback_url"] = access.media_url(entry, "playback", viewer=viewer)
        state["thumbnail_url"] = access.media_url(entry, "thumbnail", viewer=viewer)
    return state


def entry_as_export(entry: Entry) -> dict:
    """The family's data export (no storage paths)."""
    return {
        "id": entry.pk, "event": entry.event.title, "campaign": entry.event.campaign.title,
        "child": entry.child.display_name, "status": entry.status, "moderation": entry.moderation,
        "channel": entry.channel, "poem": entry.poem.title if entry.poem_id else None,
        "text": entry.text or None, "duration_s": entry.duration_s, "original_name": entry.original_name,
        "original_sha256": entry.original_sha256, "reason_code": entry.reason_code or None,
        "created_at": entry.created_at.isoformat(), "processed_at": entry.processed_at.isoformat()
        if entry.processed_at else None,
    }


def participant_child_ids(campaign_id: int):
    """Children with an entry that counts as received in the campaign (as the reports count them)."""
    return (Entry.objects.filter(event__campaign_id=campaign_id)
            .exclude(status__in=["replaced", "withdrawn", "rejected"]).values_list("child_id", flat=True))
