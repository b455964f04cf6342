"""The judge's page of a comparative round: two entries side by side, ← / → to choose, ↓ for too close
to call. Blind like the rubric page: each side is shown by a code that names nothing, and its media is
reached through an opaque token for this comparison and side, resolved to the playback copy only
(judging/blind.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import UserFacingError
from judging import blind, selectors, services
from judging.models import Comparison, Round
from submissions.serving import protected_media_response


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
        context.update(comparison=comparison, left=blind.blind_side(comparison, "a"), right=blind.blind_side(comparison, "b"))
    return render(request, "judging/compare.html", context)


@login_required
@require_GET
def compare_media(request, token: str):
    """The playback copy of one side of the requesting judge's comparison — never the original upload
    (judging/blind.py decides, where the token is resolved)."""
    field = blind.resolve_comparison_media(token, request.user)
    return protected_media_response(request, field.name, cache_control="private, no-store", presign=False)
