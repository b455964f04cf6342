"""Writes of entries. Every function is keyword-only, atomic, and refuses bad input with a
UserFacingError (code + Chinese + English) — never a 500, never a silent drop.

Core flow:
    entry_submit(...)      stores the original bytes untouched (SHA-256), creates the entry in
                           ``received`` (replacing the child's live entry for the event, which stays
                           in the history), and enqueues ``submissions.tasks.process_entry``.
    entry_process(id)      the task body: claims the entry, runs the media pipeline
                           (submissions.media.analyse — the same code check_media runs), stores the
                           playback/thumbnail copies and finishes as ``ready`` or ``rejected``.
                           Idempotent: a finished entry is left alone, a crashed attempt is redone.
    entries_requeue_stale  the watchdog: entries stuck in received/processing are re-queued, and
                           processing directories left by killed workers removed (workdirs.py).
"""

import hashlib
import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import Child, User
from campaigns.notifications import Notification, notify
from campaigns.selectors import campaign_stage_is_open, child_has_consent, user_can_manage_library
from config.errors import UserFacingError
from config.tasks import enqueue
from events.models import Event, Poem
from submissions import workdirs
from submissions.media import analyse
from submissions.media.errors import MediaRefused, fmt_bytes
from submissions.media.images import strip_metadata
from submissions.media.limits import entries_settings, kind_for_event, limits_for
from submissions.models import Entry, original_upload_to, playback_upload_to, thumbnail_upload_to

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CHUNK = 1024 * 1024


# --- helpers ----------------------------------------------------------------------------------------


def processing_lease() -> timedelta:
    """How long a claimed entry belongs to one worker (django-q2 kills a task after `timeout`)."""
    seconds = getattr(settings, "ENTRY_PROCESSING_LEASE", None) or settings.Q_CLUSTER.get("timeout", 300)
    return timedelta(seconds=int(seconds))


def _now_in_campaign_tz(event: Event):
    from zoneinfo import ZoneInfo

    return timezone.now().astimezone(ZoneInfo(event.campaign.timezone or settings.TIME_ZONE))


def event_accepts_entries_now(event: Event, at=None) -> bool:
    at = at or timezone.now()
    entries = entries_settings(event)
    opens, closes = (entries.opens, entries.closes) if entries else (None, None)
    if opens or closes:
        return (opens is None or opens <= at) and (closes is None or at < closes)
    campaign = event.campaign
    if campaign.stages.filter(kind="entries_open").exists():
        return campaign_stage_is_open(campaign, "entries_open", at)
    return True  # a campaign without a schedule accepts entries (drafts, tests)


def _check_eligibility(*, event: Event, child: Child, submitted_by: User, channel: str, poem: Poem | None) -> None:
    if not event.takes_entries:
        raise UserFacingError("not_an_entry_event", "该活动项目不征集作品", "This event does not take entries")
    if child.guardian_id != submitted_by.pk and not user_can_manage_library(submitted_by, child.library):
        raise UserFacingError("not_your_child", "只能为自己的孩子提交作品", "You can only submit for your own child",
                              status=403)
    if not event_accepts_entries_now(event):
        raise UserFacingError("entries_closed", "本活动目前不在作品征集时间内，请留意活动日程",
                              "This event is not taking entries now; see the schedule", status=409)
    entries = entries_settings(event)
    channels = entries.channels if entries else None
    if channels and channel not in channels and channel not in ("upload", "api"):
        raise UserFacingError("channel_not_accepted", "本活动不接受这种提交方式", "This event does not accept this channel")
    groups = list(event.age_groups.all())
    if groups:
        age = child.age_in(_now_in_campaign_tz(event).year)
        if not any(group.admits(age) for group in groups):
            labels = "、".join(group.label for group in groups)
            raise UserFacingError("age_not_eligible", f"本活动面向以下年龄组：{labels}，孩子今年 {age} 岁，不在范围内",
                                  f"This event is for the age groups {labels}; the child is {age}")
    for purpose in (entries.consent_required if entries else []):
        if not child_has_consent(child, purpose):
            raise UserFacingError("consent_required", "提交前请先在家庭页面同意作品参加评审（监护人同意）",
                                  f"A guardian's consent ({purpose}) is needed before submitting",
                                  purpose=purpose)
    if poem is not None and event.poems.exists() and not event.poems.filter(pk=poem.pk).exists():
        raise UserFacingError("poem_not_in_event", "请从本活动的篇目中选择诗词", "Pick a poem from this event's list")


def _store_original(*, kind: str, uploaded_file, text: str | None, limits) -> tuple[str, str, int, str]:
    """Store the bytes as received; return (storage name, sha256, size, original file name).

    Images lose their metadata segments here, byte for byte (no re-encoding: the pixels stay
    exactly as sent), so the child's GPS position is never written anywhere."""
    if uploaded_file is None:
        if not (text or "").strip():
            raise UserFacingError("empty_file", "没有收到作品：请选择文件或输入正文", "Nothing received: choose a file or type the text")
        uploaded_file = ContentFile(text.encode("utf-8"), name="typed.txt")
    name = os.path.basename(getattr(uploaded_file, "name", "") or "upload")[:200]
    size = getattr(uploaded_file, "size", None)
    if limits.max_bytes and size is not None and size > limits.max_bytes:
        raise MediaRefused("file_too_large", f"文件太大（{fmt_bytes(size)}），本活动最大 {fmt_bytes(limits.max_bytes)}",
                           f"The file is too large ({fmt_bytes(size)}); the limit is {fmt_bytes(limits.max_bytes)}",
                           limit_bytes=limits.max_bytes)
    if kind == "image":
        uploaded_file.seek(0)
        data = strip_metadata(uploaded_file.read())
        content: File = ContentFile(data, name=name)
    else:
        uploaded_file.seek(0)
        content = File(uploaded_file, name=name)
    digest = hashlib.sha256()
    content.seek(0)
    for chunk in content.chunks(CHUNK):
        digest.update(chunk)
    size = content.size
    content.seek(0)
    stored = default_storage.save(original_upload_to(None, name), content)
    return stored, digest.hexdigest(), size, name


def _broadcast(entry_id: int) -> None:
    """Tell open pages the entry changed (best effort; pages also re-read the database)."""

    def send() -> None:
        try:
            from asgiref.sync import async_to_sync
            from channels.layers import get_channel_layer

            layer = get_channel_layer()
            if layer is not None:
                async_to_sync(layer.group_send)(f"entry-{entry_id}", {"type": "entry.changed", "entry_id": entry_id})
        except Exception:  # noqa: BLE001 - a lost broadcast is repaired by the consumer's polling
            log.warning("entry broadcast failed", exc_info=True)

    transaction.on_commit(send)


def _notify(entry: Entry, kind: str) -> None:
    from submissions.messages import notification_for

    title, body = notification_for(entry, kind)
    guardian_id = entry.child.guardian_id
    url = f"/entries/{entry.pk}/"
    transaction.on_commit(lambda: notify(Notification(
        user_id=guardian_id, kind=kind, title=title, body=body, url=url, data={"entry_id": entry.pk}
    )))


# --- submit -----------------------------------------------------------------------------------------


def entry_submit(
    *,
    event: Event,
    child: Child,
    uploaded_file,
    channel: str,
    idempotency_key: str,
    submitted_by: User,
    poem: Poem | None = None,
    text: str | None = None,
    on_behalf_reason: str = "",
) -> Entry:
    """Hand in a child's work for an event and return the (new or already existing) entry.

    - `uploaded_file`: any Django File/UploadedFile (None for an essay typed in `text`).
    - `idempotency_key`: the client's key for this attempt; a retry with the same key (same
      guardian) returns the first entry instead of making a second one.
    - Replaces the child's live entry for the event (kept as ``replaced`` in the history).
    - Staff acting for a family (an organizer of the child's library, not the guardian) must say so:
      `on_behalf_reason` is required, the act is audited (`entry.submitted_on_behalf`), the family is
      notified, and it never replaces an entry the family sent (refused with `family_entry_exists`).
    - Raises UserFacingError (ineligible, closed, consent missing…) or MediaRefused (too large).
    The media are checked by the processing task, enqueued after commit."""
    idempotency_key = (idempotency_key or "")[:80]
    if idempotency_key:
        existing = Entry.objects.filter(submitted_by=submitted_by, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_request(existing, event=event, child=child)
    _check_eligibility(event=event, child=child, submitted_by=submitted_by, channel=channel, poem=poem)
    on_behalf_reason = (on_behalf_reason or "").strip()[:300]
    if child.guardian_id != submitted_by.pk and not on_behalf_reason:
        raise UserFacingError("on_behalf_reason_required",
                              "代家庭提交作品须明确说明原因（例如家长委托图书馆代交），该操作会被记录并通知家长",
                              "Submitting for a family must be explicit: give the reason (e.g. the guardian asked "
                              "the library to hand it in); it is logged and the family is told", status=403)
    kind = kind_for_event(event)
    limits = limits_for(kind, event)
    if kind == "essay" and uploaded_file is None and text is not None:
        text = text.replace("\r\n", "\n")
    stored, sha256, size, name = _store_original(kind=kind, uploaded_file=uploaded_file, text=text, limits=limits)
    try:
        for attempt in range(3):
            try:
                entry = _create_entry(event=event, child=child, channel=channel, idempotency_key=idempotency_key,
                                      submitted_by=submitted_by, poem=poem, kind=kind, stored=stored,
                                      sha256=sha256, size=size, name=name, on_behalf_reason=on_behalf_reason)
                break
            except IntegrityError:
                if idempotency_key:
                    existing = Entry.objects.filter(submitted_by=submitted_by, idempotency_key=idempotency_key).first()
                    if existing is not None:
                        default_storage.delete(stored)
                        return _same_request(existing, event=event, child=child)
                if attempt == 2:
                    raise
    except UserFacingError:
        default_storage.delete(stored)
        raise
    return entry


def _same_request(existing: Entry, *, event: Event, child: Child) -> Entry:
    if existing.event_id != event.pk or existing.child_id != child.pk:
        raise UserFacingError("idempotency_key_reused", "这个提交编号已用于另一份作品，请刷新页面后重试",
                              "This idempotency key was used for another entry; reload and retry", status=409)
    return existing


def _create_entry(*, event, child, channel, idempotency_key, submitted_by, poem, kind, stored, sha256, size,
                  name, on_behalf_reason="") -> Entry:
    with transaction.atomic():
        # Serialise submissions per child: with no live entry yet there is no row to lock, and two
        # concurrent inserts would otherwise race to the one-live-entry constraint.
        Child.objects.select_for_update().filter(pk=child.pk).first()
        live = (Entry.objects.select_for_update().filter(event=event, child=child)
                .exclude(status__in=Entry.NOT_LIVE).first())
        if live is not None and live.status == Entry.Status.DISQUALIFIED:
            raise UserFacingError("entry_disqualified", "该作品已被组织者取消资格，不能再次提交；如有疑问请联系所在图书馆",
                                  "The entry was disqualified by the organizers; contact your library", status=409)
        on_behalf = child.guardian_id != submitted_by.pk
        if on_behalf and live is not None and live.submitted_by_id == child.guardian_id:
            raise UserFacingError("family_entry_exists",
                                  "家长已提交了这份作品，代交不会替换家长的作品；如需更换请家长撤回或重新提交",
                                  "The family already sent an entry; a submission on their behalf never replaces "
                                  "it. The guardian can withdraw it or send a new one", status=409, entry=live.pk)
        if live is not None:
            live.status = Entry.Status.REPLACED
            live.save(update_fields=["status", "updated_at"])
        entry = Entry(
            event=event, child=child, library=child.library, submitted_by=submitted_by, kind=kind,
            channel=channel, poem=poem, idempotency_key=idempotency_key, replaces=live,
            original_name=name, original_sha256=sha256, original_size=size,
        )
        entry.original.name = stored
        entry.full_clean(exclude=["original", "replaces"], validate_constraints=False)  # the DB enforces them
        entry.save()
        audit_record(action="entry.submitted_on_behalf" if on_behalf else "entry.submitted", obj=entry,
                     actor=submitted_by, campaign=event.campaign, channel=channel, sha256=sha256,
                     replaces=live.pk if live else None,
                     **({"reason": on_behalf_reason, "guardian": child.guardian_id} if on_behalf else {}))
        _notify(entry, "entry_submitted_on_behalf" if on_behalf else "entry_received")
        _broadcast(entry.pk)
        enqueue("submissions.tasks.process_entry", entry.pk, task_name=f"entry-{entry.pk}-{entry.attempts}")
    return entry


# --- process ----------------------------------------------------------------------------------------


def _claim(entry_id: int) -> Entry | None:
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("event", "event__campaign").filter(pk=entry_id).first()
        if entry is None or entry.status not in Entry.PENDING_WORK:
            return None
        now = timezone.now()
        if (entry.status == Entry.Status.PROCESSING and entry.processing_started_at
                and now - entry.processing_started_at < processing_lease()):
            return None  # another worker holds it
        if entry.attempts >= MAX_ATTEMPTS:
            _finish_rejected(entry, MediaRefused(
                "processing_failed", "作品处理多次失败，原文件已保存，组织者会与您联系；也可以重新提交",
                "Processing failed repeatedly; the original is kept and the organizers will contact you"))
            return None
        entry.status = Entry.Status.PROCESSING
        entry.attempts += 1
        entry.processing_started_at = now
        entry.save(update_fields=["status", "attempts", "processing_started_at", "updated_at"])
        _broadcast(entry.pk)
    return entry


def _finish_rejected(entry: Entry, refusal: MediaRefused) -> None:
    entry.status = Entry.Status.REJECTED
    entry.reason_code = refusal.code
    entry.message_zh = refusal.message_zh[:300]
    entry.message_en = refusal.message_en[:300]
    entry.processed_at = timezone.now()
    entry.save()
    audit_record(action="entry.rejected", obj=entry, campaign=entry.event.campaign, reason_code=refusal.code)
    _notify(entry, "entry_rejected")
    _broadcast(entry.pk)


def _download(name: str, target: Path) -> None:
    with default_storage.open(name, "rb") as source, open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            out.write(chunk)


def entry_process(entry_id: int) -> str:
    """Task entry point: process one entry's media. Returns the entry's status (or "skipped")."""
    entry = _claim(entry_id)
    if entry is None:
        return "skipped"
    kind, limits = entry.kind, limits_for(entry.kind, entry.event)
    with workdirs.workdir(entry.pk) as work:
        source = work / ("original" + Path(entry.original.name).suffix)
        _download(entry.original.name, source)
        try:
            result = analyse(source, kind=kind, limits=limits, workdir=work, original_name=entry.original_name)
        except MediaRefused as refusal:
            with transaction.atomic():
                current = Entry.objects.select_for_update().get(pk=entry.pk)
                if current.status == Entry.Status.PROCESSING:
                    _finish_rejected(current, refusal)
                return current.status
        saved: list[str] = []
        if result.playback_path:
            with open(result.playback_path, "rb") as fh:
                saved.append(default_storage.save(playback_upload_to(None, result.playback_path.name), File(fh)))
        else:
            saved.append("")
        if result.thumbnail_path:
            with open(result.thumbnail_path, "rb") as fh:
                saved.append(default_storage.save(thumbnail_upload_to(None, result.thumbnail_path.name), File(fh)))
        else:
            saved.append("")
    with transaction.atomic():
        current = Entry.objects.select_for_update().select_related("event__campaign", "child").get(pk=entry.pk)
        if current.status != Entry.Status.PROCESSING:
            for name in saved:  # withdrawn/replaced meanwhile, or a duplicate run finished first
                if name:
                    default_storage.delete(name)
            return current.status
        old = [f.name for f in (current.playback, current.thumbnail) if f]
        current.playback.name, current.thumbnail.name = saved
        current.duration_s = result.duration_s
        current.waveform = result.waveform
        current.media_info = result.info
        if result.text is not None:
            current.text = result.text
            current.char_count = result.char_count
        current.status = Entry.Status.READY
        current.reason_code = current.message_zh = current.message_en = ""
        current.processed_at = timezone.now()
        current.save()
        audit_record(action="entry.ready", obj=current, campaign=current.event.campaign)
        _notify(current, "entry_accepted")
        _broadcast(current.pk)
    for name in old:
        if name not in saved:
            default_storage.delete(name)
    return Entry.Status.READY


def entries_requeue_stale(*, older_than: timedelta | None = None) -> list[int]:
    """The watchdog: re-queue entries whose task was lost or whose worker died. Returns their ids."""
    now = timezone.now()
    # Ten minutes: long enough for a backlog to drain, and each entry is re-queued at most that often
    # (updated_at is bumped below), so a busy queue is not flooded with duplicates (they would be skipped).
    received_cutoff = now - (older_than or timedelta(minutes=10))
    processing_cutoff = now - max(processing_lease() * 2, older_than or timedelta(0))
    stale = list(
        Entry.objects.filter(status=Entry.Status.RECEIVED, updated_at__lt=received_cutoff).values_list("pk", flat=True)
    ) + list(
        Entry.objects.filter(status=Entry.Status.PROCESSING, processing_started_at__lt=processing_cutoff,
                             updated_at__lt=processing_cutoff).values_list("pk", flat=True)
    )
    for entry_id in stale:
        Entry.objects.filter(pk=entry_id).update(updated_at=now)
        enqueue("submissions.tasks.process_entry", entry_id)
    # Copies of recordings left by killed workers (their tasks are re-queued above).
    workdirs.remove_abandoned(older_than=processing_lease().total_seconds() * 2)
    return stale


# --- family and organizer actions ---------------------------------------------------------------------


def entry_withdraw(*, entry: Entry, user: User) -> Entry:
    """The family takes the entry back (before judging); media stay stored for the retention period."""
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("child", "event__campaign").get(pk=entry.pk)
        if entry.child.guardian_id != user.pk:
            raise UserFacingError("forbidden", "只能撤回自己孩子的作品", "You can only withdraw your own child's entry",
                                  status=403)
        if entry.status in (Entry.Status.WITHDRAWN, Entry.Status.REPLACED):
            return entry
        if entry.status == Entry.Status.DISQUALIFIED:
            raise UserFacingError("entry_disqualified", "该作品已被取消资格，不能撤回", "A disqualified entry cannot be withdrawn",
                                  status=409)
        entry.status = Entry.Status.WITHDRAWN
        entry.save(update_fields=["status", "updated_at"])
        audit_record(action="entry.withdrawn", obj=entry, actor=user, campaign=entry.event.campaign)
        _broadcast(entry.pk)
    return entry


MODERATION_ACTIONS = ("approve", "reject", "disqualify")


def entry_moderate(*, entry: Entry, user: User, action: str, reason: str = "") -> Entry:
    """An organizer of the child's library subtree approves, rejects (from the gallery) or disqualifies."""
    if action not in MODERATION_ACTIONS:
        raise UserFacingError("bad_action", "未知的审核操作", "Unknown moderation action")
    reason = (reason or "").strip()[:300]
    if action in ("reject", "disqualify") and not reason:
        raise UserFacingError("reason_required", "请填写理由，家长会看到这条说明", "Give a reason; the family will see it")
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("child", "event__campaign", "library").get(pk=entry.pk)
        if not user_can_manage_library(user, entry.library):
            raise UserFacingError("forbidden", "该作品不在您所管理的图书馆范围内", "This entry is outside your libraries",
                                  status=403)
        if entry.status in (Entry.Status.WITHDRAWN, Entry.Status.REPLACED):
            raise UserFacingError("entry_not_live", "该作品已撤回或被新作品替换", "The entry was withdrawn or replaced",
                                  status=409)
        now = timezone.now()
        entry.moderated_by, entry.moderated_at, entry.moderation_note = user, now, reason
        if action == "approve":
            if entry.status != Entry.Status.READY:
                raise UserFacingError("entry_not_ready", "作品还没有处理完成，不能通过审核", "Only a ready entry can be approved",
                                      status=409)
            entry.moderation = Entry.Moderation.APPROVED
        elif action == "reject":
            entry.moderation = Entry.Moderation.REJECTED
        else:
            entry.moderation = Entry.Moderation.REJECTED
            entry.status = Entry.Status.DISQUALIFIED
            entry.reason_code = "disqualified"
            entry.message_zh = f"组织者取消了该作品的参赛资格：{reason}"[:300]
            entry.message_en = f"The organizers disqualified this entry: {reason}"[:300]
        entry.save()
        audit_record(action=f"entry.{action}", obj=entry, actor=user, campaign=entry.event.campaign, reason=reason)
        if action == "disqualify":
            _notify(entry, "entry_rejected")
        _broadcast(entry.pk)
    return entry
