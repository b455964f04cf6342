"""The judging step's panels: which of the campaign's judge accounts sit on each panel (评审组)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from builder.views.common import managed_campaign, organizer_required
from config.errors import UserFacingError
from config.params import int_param
from judging.services import panel_set_judges


@organizer_required
@require_POST
def panel(request, slug: str):
    campaign = managed_campaign(request, slug)
    ids = [i for i in (int_param(v) for v in request.POST.getlist("judge")) if i is not None]
    try:
        chosen = panel_set_judges(campaign=campaign, name=request.POST.get("name", ""), judge_ids=ids,
                                  actor=request.user)
    except UserFacingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"评审组“{chosen.name}”已保存 Panel saved（{len(ids)} 位评委 judges）")
    return redirect(reverse("builder:step", args=[campaign.slug, "judging"]) + "#judges")
