"""Pages for entries: submit (record in the browser or upload), an entry's page with live progress,
withdraw, signed media, the organizers' moderation queue and the public gallery. Thin: selectors
read, services write; refusals are shown as the same bilingual messages the API returns."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Child
from campaigns.selectors import children_of, is_organizer
from config.errors import UserFacingError
from config.params import int_param
from events.models import Event, Poem
from submissions import access, selectors, services
from submissions.gallery_extras import gallery_extras
from submissions.media.limits import entries_settings, kind_for_event, limits_for
from submissions.models import Entry
from submissions.serving import protected_media_response

ACCEPT = {
    "audio": "audio/*,.mp3,.m4a,.aac,.wav,.webm,.ogg,.opus,.amr,.spx",
    "image": "image/jpeg,image/png,image/webp",
    "essay": ".txt,.docx,text/plain,application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "video": "video/*,.mp4,.mov,.m4v,.webm",
}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _event_or_404(event_id: int) -> Event:
    event = get_object_or_404(Event.objects.select_related("campaign"), pk=event_id)
    if not event.takes_entries:
        raise Http404
    return event


def _poems_of(event: Event):
    poems = list(event.poems.all())
    entries = entries_settings(event)
    if not poems and entries and entries.poems == "all":
        poems = list(Poem.objects.all())
    return poems


@login_required
def submit(request, event_id: int):
    event = _event_or_404(event_id)
    kind = kind_for_event(event)
    children = list(children_of(request.user))
    poems = _poems_of(event) if kind == "audio" else []
    errors = None
    if request.method == "POST":
        child = next((c for c in children if str(c.pk) == request.POST.get("child")), None)
        poem = next((p for p in poems if str(p.pk) == request.POST.get("poem")), None)
        uploaded = request.FILES.get("file")
        text = request.POST.get("text") if kind == "essay" else None
        channel = Entry.Channel.WEB if request.POST.get("recorded") == "1" else Entry.Channel.UPLOAD
        try:
            if child is None:
                raise UserFacingError("child_required", "请选择孩子", "Choose the child")
            if kind == "audio" and poems and poem is None:
                raise UserFacingError("poem_required", "请先选择要朗读的诗词", "Choose the poem first")
            if uploaded is None and not (text or "").strip():
                raise UserFacingError("empty_file", "没有收到作品：请录音、选择文件或输入正文",
                                      "Nothing received: record, choose a file or type the text")
            entry = services.entry_submit(
                event=event, child=child, uploaded_file=uploaded, channel=channel,
                idempotency_key=request.POST.get("idempotency_key", ""), submitted_by=request.user,
                poem=poem, text=text if uploaded is None else None,
            )
        except UserFacingError as exc:
            if _wants_json(request):
                return JsonResponse(exc.as_dict(), status=exc.status)
            errors = exc
        else:
            url = reverse("submissions:entry", args=[entry.pk])
            if _wants_json(request):
                return JsonResponse({"id": entry.pk, "url": url, "status": entry.status}, status=201)
            return redirect(url)
    limits = limits_for(kind, event)
    current = {c.pk: selectors.live_entry(event=event, child=c) for c in children}
    return render(request, "submissions/submit.html", {
        "event": event, "kind": kind, "children": children, "poems": poems, "limits": limits,
        "accept": ACCEPT[kind], "error": errors, "idempotency_key": uuid.uuid4().hex,
        "current": [(c, current[c.pk]) for c in children if current[c.pk]],
        "open": services.event_accepts_entries_now(event),
        "selected_poem": request.POST.get("poem") or request.GET.get("poem") or "",
        "posted_text": request.POST.get("text", "") if errors else "",
        "poems_data": {str(p.pk): {"title": p.title, "byline": f"{p.dynasty} · {p.author}", "lines": p.lines,
                                   "reading": reverse("submissions:poem_reading", args=[p.pk]) if p.model_reading else ""}
                       for p in poems},
    })


def _entry_for_viewer(request, entry_id: int) -> Entry:
    entry = get_object_or_404(Entry.objects.select_related("event", "event__campaign", "child", "library", "poem"),
                              pk=entry_id)
    if not access.can_view_entry(request.user, entry):
        raise PermissionDenied
    return entry


@login_required
def entry_detail(request, entry_id: int):
    entry = _entry_for_viewer(request, entry_id)
    return render(request, "submissions/entry.html", {
        "entry": entry, "state": selectors.entry_state(entry, viewer=request.user),
        "history": entry.history(), "is_family": access.is_family(request.user, entry),
        "is_organizer": access.is_organizer_of(request.user, entry),
        "original_url": access.media_url(entry, "original", viewer=request.user),
    })


@login_required
@require_GET
def entry_status(request, entry_id: int):
    """JSON state for pages without WebSockets (the same payload the WebSocket sends)."""
    entry = _entry_for_viewer(request, entry_id)
    return JsonResponse(selectors.entry_state(entry, viewer=request.user))


@login_required
@require_POST
def entry_withdraw(request, entry_id: int):
    entry = _entry_for_viewer(request, entry_id)
    try:
        services.entry_withdraw(entry=entry, user=request.user)
        messages.success(request, "作品已撤回 · The entry was withdrawn")
    except UserFacingError as exc:
        messages.error(request, str(exc))
    return redirect("submissions:entry", entry_id=entry.pk)


# --- media ------------------------------------------------------------------------------------------

def media(request, token: str):
    """Serve one signed media file (the token is the access check; submissions/serving.py delivers it)."""
    try:
        entry, file = access.resolve_token(token, request.user)
    except access.MediaDenied:
        return HttpResponse("链接已失效或无权查看 · This link expired or is not yours", status=403,
                            content_type="text/plain; charset=utf-8")
    return protected_media_response(request, getattr(entry, file).name, cache_control="private, max-age=300",
                                    attachment=file == "original")


def poem_reading(request, poem_id: int):
    """The organizer's model reading of a poem (public material, not a child's media)."""
    poem = get_object_or_404(Poem, pk=poem_id)
    if not poem.model_reading:
        raise Http404
    return protected_media_response(request, poem.model_reading.name, cache_control="public, max-age=86400")


# --- organizers ---------------------------------------------------------------------------------------


@login_required
def moderation(request):
    if not is_organizer(request.user):
        raise PermissionDenied
    state = request.GET.get("state", "pending")
    event = None
    event_id = int_param(request.GET.get("event"))
    if event_id is not None:
        event = Event.objects.filter(pk=event_id).first()
    entries = list(selectors.moderation_queue(request.user, event=event, state=state)[:100])
    rows = [{"entry": e, "state": selectors.entry_state(e, viewer=request.user)} for e in entries]
    return render(request, "submissions/moderation.html", {"rows": rows, "state": state, "event": event})


@login_required
@require_POST
def moderate(request, entry_id: int):
    entry = get_object_or_404(Entry, pk=entry_id)
    try:
        services.entry_moderate(entry=entry, user=request.user, action=request.POST.get("action", ""),
                                reason=request.POST.get("reason", ""))
        messages.success(request, "已保存审核结果 · Moderation saved")
    except UserFacingError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        messages.error(request, str(exc))
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/entries/")
                    else reverse("submissions:moderation"))


# --- public gallery -----------------------------------------------------------------------------------


def gallery(request, event_id: int):
    event = _event_or_404(event_id)
    entries = selectors.gallery_entries(event)
    extras = gallery_extras(request, event, entries)  # e.g. judging's like button in the likes stage
    items = [{
        "entry": e,
        "playback_url": access.media_url(e, "playback", viewer=access.GALLERY),
        "thumbnail_url": access.media_url(e, "thumbnail", viewer=access.GALLERY),
        "extras": extras.get(e.pk, []),
    } for e in entries]
    return render(request, "submissions/gallery.html", {"event": event, "items": items})


def child_entries_context(request, children: list[Child]) -> dict:
    """Context of the family page's "entries" section (registered in apps.py)."""
    entries = list(selectors.entries_of_children(children).exclude(status=Entry.Status.REPLACED)[:50])
    campaign_ids = {r.campaign_id for c in children for r in c.registrations.all()}
    events = [e for e in Event.objects.filter(campaign_id__in=campaign_ids).select_related("campaign")
              if e.takes_entries and services.event_accepts_entries_now(e)]
    return {"entry_rows": [{"entry": e, "state": selectors.entry_state(e)} for e in entries],
            "entry_events": events}
