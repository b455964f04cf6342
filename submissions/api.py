"""Entries API (mounted at /api/v1/submissions/). The guardian's session authenticates (with CSRF);
the public gallery needs no login. Errors are JSON {"code", "message_zh", "message_en"} with the
same reason codes the pages show; a refused file is reported on the entry itself (status
"rejected" + reason_code) once the processing task has looked at its content."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Header, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from campaigns.models import Child
from config.api_contract import MAX_ID, Id, Limit, Offset
from config.errors import UserFacingError
from events.models import Event, Poem
from submissions import access, selectors, services
from submissions.models import Entry

router = Router(tags=["submissions"])


class ErrorOut(Schema):
    code: str = Field(..., description="stable reason code: not_audio, too_long, too_short, no_voice, damaged_file, "
                                       "empty_file, file_too_large, not_image, too_many_pixels, too_small, format_not_accepted, "
                                       "not_text, entries_closed, consent_required, age_not_eligible…")
    message_zh: str
    message_en: str


class EntryOut(Schema):
    id: int
    event: int
    child: int
    kind: str = Field(..., description="audio | image | essay | video")
    status: str = Field(..., description="received | processing | ready | rejected | withdrawn | disqualified | replaced")
    status_zh: str
    status_en: str
    final: bool = Field(..., description="true once the status will not change by itself")
    moderation: str
    channel: str
    poem: str | None
    reason_code: str | None
    message_zh: str | None
    message_en: str | None
    duration_s: float | None
    char_count: int | None
    sha256: str = Field(..., description="SHA-256 of the stored original")
    created_at: datetime
    processed_at: datetime | None
    replaces: int | None = Field(None, description="the entry this one replaced (history)")
    playback_url: str | None = Field(None, description="signed, expiring URL of the playback copy")
    thumbnail_url: str | None = Field(None, description="signed, expiring URL of the thumbnail / poster")


class GalleryItemOut(Schema):
    id: int
    nickname: str
    library: str
    kind: str
    poem: str | None
    duration_s: float | None
    playback_url: str | None
    thumbnail_url: str | None
    text: str | None = Field(None, description="essays: plain text, to be rendered escaped")


class ModerateIn(Schema):
    action: str = Field(..., description="approve | reject | disqualify")
    reason: str = ""


@router.post("/entries", auth=django_auth, response={201: EntryOut, 200: EntryOut, 400: ErrorOut, 403: ErrorOut,
                                                     404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="Submit an entry (multipart upload)")
def create_entry(
    request,
    event: int = Form(..., ge=1, le=MAX_ID, description="event id"),
    child: int = Form(..., ge=1, le=MAX_ID, description="child id (one of the guardian's children)"),
    poem: int | None = Form(None, ge=1, le=MAX_ID, description="poem id (recitations)"),
    text: str | None = Form(None, description="essay text typed instead of a file"),
    channel: str = Form("api", description="api | web | upload"),
    file: UploadedFile | None = File(None),
    on_behalf_reason: str = Form("", max_length=300, description="organizers only, submitting for a family's child: "
                                 "why (required then; logged, the family is notified, never replaces the family's entry)"),
    idempotency_key: str = Header("", alias="Idempotency-Key",
                                  description="the client's key for this submission; a retry returns the same entry"),
):
    event_obj = Event.objects.select_related("campaign").filter(pk=event).first()
    if event_obj is None:
        raise UserFacingError("event_not_found", "找不到该活动项目", "No such event", status=404)
    child_obj = Child.objects.select_related("library").filter(pk=child).first()
    if child_obj is None:
        raise UserFacingError("child_not_found", "找不到该孩子", "No such child", status=404)
    poem_obj = Poem.objects.filter(pk=poem).first() if poem else None
    if poem and poem_obj is None:
        raise UserFacingError("poem_not_found", "找不到该诗词", "No such poem", status=404)
    if channel not in (Entry.Channel.API, Entry.Channel.WEB, Entry.Channel.UPLOAD):
        channel = Entry.Channel.API
    existed = bool(idempotency_key) and Entry.objects.filter(
        submitted_by=request.user, idempotency_key=idempotency_key[:80]).exists()
    entry = services.entry_submit(
        event=event_obj, child=child_obj, uploaded_file=file, channel=channel, idempotency_key=idempotency_key,
        submitted_by=request.user, poem=poem_obj, text=text if file is None else None,
        on_behalf_reason=on_behalf_reason,
    )
    return Status(200 if existed else 201, selectors.entry_state(entry, viewer=request.user))


def _entry_for(request, entry_id: int) -> Entry:
    entry = get_object_or_404(Entry.objects.select_related("event", "child", "library", "poem"), pk=entry_id)
    if not access.can_view_entry(request.user, entry):
        raise UserFacingError("forbidden", "无权查看该作品", "You may not see this entry", status=403)
    return entry


@router.get("/entries", auth=django_auth, response=list[EntryOut], summary="My family's entries")
def list_entries(request, include_replaced: bool = False):
    qs = selectors.entries_of_guardian(request.user)
    if not include_replaced:
        qs = qs.exclude(status=Entry.Status.REPLACED)
    return [selectors.entry_state(e, viewer=request.user) for e in qs[:200]]


@router.get("/entries/{entry_id}", auth=django_auth, response={200: EntryOut, 403: ErrorOut, 404: ErrorOut},
            summary="An entry's status (poll until `final`)")
def entry_status(request, entry_id: Id):
    return selectors.entry_state(_entry_for(request, entry_id), viewer=request.user)


@router.post("/entries/{entry_id}/withdraw", auth=django_auth,
             response={200: EntryOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}, summary="Withdraw an entry")
def withdraw_entry(request, entry_id: Id):
    entry = services.entry_withdraw(entry=_entry_for(request, entry_id), user=request.user)
    return selectors.entry_state(entry, viewer=request.user)


@router.post("/entries/{entry_id}/moderate", auth=django_auth,
             response={200: EntryOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Organizers: approve, reject or disqualify")
def moderate_entry(request, entry_id: Id, payload: ModerateIn):
    entry = get_object_or_404(Entry, pk=entry_id)
    entry = services.entry_moderate(entry=entry, user=request.user, action=payload.action, reason=payload.reason)
    return selectors.entry_state(entry, viewer=request.user)


@router.get("/events/{event_id}/gallery", auth=None, response={200: list[GalleryItemOut], 404: ErrorOut},
            summary="Public gallery: approved entries with the guardian's consent")
def gallery(request, event_id: Id, limit: Limit = 60, offset: Offset = 0):
    event = get_object_or_404(Event, pk=event_id)
    items = []
    for entry in selectors.gallery_entries(event, limit=limit, offset=offset):
        items.append({
            "id": entry.pk, "nickname": entry.child.nickname, "library": entry.library.name, "kind": entry.kind,
            "poem": entry.poem.title if entry.poem_id else None, "duration_s": entry.duration_s,
            "playback_url": access.media_url(entry, "playback", viewer=access.GALLERY),
            "thumbnail_url": access.media_url(entry, "thumbnail", viewer=access.GALLERY),
            "text": entry.text or None,
        })
    return items
