"""The poem catalogue for organizers: each poem's model reading (范读), played and replaced here.

`poem_reading_upload` is a reusable endpoint: any organizer page (the campaign builder's
recitation step too) can post `file` (+ optional `next`) with the `_poem_reading_form.html` include."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from campaigns.selectors import is_organizer
from config.errors import UserFacingError
from events.models import Poem
from submissions.readings import poem_reading_remove, poem_reading_upload

AUDIO_ACCEPT = "audio/*,.mp3,.m4a,.wav,.webm,.ogg,.amr"


class PoemReadingForm(forms.Form):
    file = forms.FileField(label="范读录音 Model reading",
                           widget=forms.ClearableFileInput(attrs={"accept": AUDIO_ACCEPT}))


def _back(request) -> str:
    target = request.POST.get("next") or reverse("submissions:poem_catalogue")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("submissions:poem_catalogue")
    return target


@login_required
def poem_catalogue(request):
    if not is_organizer(request.user):
        raise PermissionDenied
    poems = Poem.objects.prefetch_related("events__campaign").order_by("grade", "key")
    poems = list(poems)
    return render(request, "submissions/poem_catalogue.html", {
        "poems": poems, "accept": AUDIO_ACCEPT, "with_reading": sum(1 for p in poems if p.model_reading)})


@login_required
@require_POST
def poem_reading_upload_view(request, poem_id: int):
    if not is_organizer(request.user):
        raise PermissionDenied
    poem = get_object_or_404(Poem, pk=poem_id)
    form = PoemReadingForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, f"《{poem.title}》：请选择一个录音文件 (choose an audio file)")
        return redirect(_back(request))
    try:
        poem_reading_upload(poem=poem, uploaded_file=form.cleaned_data["file"], user=request.user)
    except UserFacingError as exc:
        messages.error(request, f"《{poem.title}》：{exc}")
    else:
        messages.success(request, f"《{poem.title}》的范读已更新 (model reading saved)")
    return redirect(_back(request))


@login_required
@require_POST
def poem_reading_remove_view(request, poem_id: int):
    poem = get_object_or_404(Poem, pk=poem_id)
    try:
        poem_reading_remove(poem=poem, user=request.user)
    except UserFacingError as exc:
        raise PermissionDenied from exc
    messages.success(request, f"《{poem.title}》的范读已删除 (model reading removed)")
    return redirect(_back(request))
