"""The judge's page of a comparative round: two entries side by side, ← / → to choose, ↓ for too close
to call. Blind like the rubric page: each side is shown by a code that names nothing, and its media is
reached through a signed token for this comparison and side, resolved to the playback copy only."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import UserFacingError
from judging import selectors, services
from judging.models import Comparison, Round
from submissions.models import Entry

MEDIA_SALT = "judging.compare.media"
MEDIA_MAX_AGE = 6 * 3600  # a judging session; the page hands out fresh tokens on every load


def _side(comparison: Comparison, side: str) -> dict:
    entry = comparison.entry_a if side == "a" else comparison.entry_b
    data = {
        "side": side,
        "code": f"{comparison.round.key.upper()}-{comparison.id:05d}{side.upper()}",
        "kind": entry.kind,
        "duration_s": round(entry.duration_s, 1) if entry.duration_s else None,
        "text": entry.text if entry.kind == Entry.Kind.ESSAY else "",
        "poem": None,
        "media_src": None,
    }
    if entry.poem_id:
        poem = entry.poem
        data["poem"] = {"title": poem.title, "author": poem.author, "dynasty": poem.dynasty, "lines": poem.lines}
    if entry.kind in (Entry.Kind.AUDIO, Entry.Kind.VIDEO, Entry.Kind.IMAGE):
        token = signing.dumps([comparison.id, side], salt=MEDIA_SALT, compress=True)
        data["media_src"] = reverse("judging:compare_media", args=[token])
    return data


@login_required
@require_http_methods(["GET", "POST"])
def compare(request, round_id: int):
    round_ = get_object_or_404(Round.objects.select_related("campaign", "event"), pk=round_id,
                               method=Round.Method.COMPARATIVE)
    judge = selectors.judge_of(request.user)
    if judge is None:
        raise Http404("not a judge")
    if request.method == "POST":
        comparison = get_object_or_404(Comparison, pk=request.POST.get("comparison") or 0, judge=judge, round=round_)
        try:
            services.comparison_decide(comparison=comparison, actor=request.user, winner=request.POST.get("winner", ""))
            messages.success(request, "已记录 Recorded")
        except UserFacingError as exc:
            messages.error(request, str(exc))
        return redirect("judging:compare", round_.id)
    try:
        comparison = services.comparison_next(round_=round_, judge=judge)
    except UserFacingError as exc:
        if exc.status == 403:
            raise Http404(exc.message_en) from None
        messages.error(request, str(exc))
        return redirect("judging:queue")
    from judging.models import Comparison as C

    done = C.objects.filter(round=round_, judge=judge).exclude(winner="").count()
    context = {"round": round_, "comparison": comparison, "done": done}
    if comparison is not None:
        comparison = (C.objects.select_related("round", "entry_a__poem", "entry_b__poem").get(pk=comparison.pk))
        context.update(comparison=comparison, left=_side(comparison, "a"), right=_side(comparison, "b"))
    return render(request, "judging/compare.html", context)


@login_required
@require_GET
def compare_media(request, token: str):
    """The playback copy of one side of the requesting judge's comparison — never the original upload."""
    try:
        comparison_id, side = signing.loads(token, salt=MEDIA_SALT, max_age=MEDIA_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404("no such media") from None
    judge = selectors.judge_of(request.user)
    comparison = Comparison.objects.select_related("entry_a", "entry_b").filter(pk=comparison_id).first()
    if judge is None or comparison is None or comparison.judge_id != judge.id or side not in ("a", "b"):
        raise Http404("no such media")
    entry = comparison.entry_a if side == "a" else comparison.entry_b
    field = entry.playback or (entry.thumbnail if entry.kind == Entry.Kind.IMAGE else None)
    if not field:
        raise Http404("no media")
    ctype = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    resp = FileResponse(field.open("rb"), content_type=ctype)
    resp["Cache-Control"] = "private, no-store"
    resp["X-Content-Type-Options"] = "nosniff"
    if "Content-Disposition" in resp:
        del resp["Content-Disposition"]
    return resp
