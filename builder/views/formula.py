"""The final formula's live preview: sample numbers through judging/formula.py (the one grammar)."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from builder.forms.judging import formula_preview
from builder.views.common import organizer_required


@organizer_required
@require_GET
def formula(request):
    get = request.GET
    return JsonResponse(formula_preview(get.get("formula", "")[:200], get.get("panel", "0"), get.get("likes", "0")))
