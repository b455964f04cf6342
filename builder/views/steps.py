"""The builder's steps. Each renders the campaign's file form; a POST turns the step's fields back into that
form and saves the whole campaign through the same validation as loadcampaign. A refused save shows every
problem and keeps what was typed (the page is rendered from the posted values)."""

import copy

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from builder import file_port, selectors, services
from builder.file_port import CampaignFileError
from builder.steps import STEP_KEYS, STEPS, step_of
from builder.views import step_forms
from builder.views.common import managed_campaign, organizer_required
from config.errors import UserFacingError


def _issue_rows(campaign, issues, *, event_index=None) -> list[dict]:
    rows = []
    for issue in issues:
        step = step_of(issue.path)
        url = reverse("builder:step", args=[campaign.slug, step])
        if step == "events" and issue.path.startswith("events["):
            index = issue.path[len("events["):].split("]")[0]
            url = reverse("builder:event", args=[campaign.slug, int(index)])
        rows.append({"issue": issue, "step": step, "url": url})
    return rows


def step_context(request, campaign, step: str, data: dict, issues=()) -> dict:
    entries = selectors.entries_exist(campaign)
    return {
        "campaign": campaign, "step": step, "steps": STEPS, "data": data, "entries": entries,
        "status": selectors.campaign_status(campaign),
        "issues": _issue_rows(campaign, issues),
        "next_step": STEP_KEYS[STEP_KEYS.index(step) + 1] if step in STEP_KEYS[:-1] else None,
    }


@organizer_required
def step(request, slug: str, step: str):
    if step not in STEP_KEYS:
        raise Http404("no such step")
    campaign = managed_campaign(request, slug)
    if step == "review":
        return review(request, campaign)
    if step == "publish":
        return publish(request, campaign)
    form = step_forms.FORMS[step]
    data = file_port.export_dict(campaign)
    issues = []
    if request.method == "POST":
        new = copy.deepcopy(data)
        try:
            new = form.apply(request, new, campaign)
            services.builder_save(user=request.user, data=new, campaign=campaign, step=step)
        except step_forms.Unsaved:
            data = new
        except CampaignFileError as error:
            issues, data = error.issues, new
        except UserFacingError as error:
            messages.error(request, str(error))
            data = new
        else:
            messages.success(request, "已保存 Saved")
            target = request.POST.get("go") or step
            return redirect("builder:step", slug=campaign.slug, step=target if target in STEP_KEYS else step)
    context = step_context(request, campaign, step, data, issues)
    context.update(form.context(request, campaign, data, issues))
    return render(request, f"builder/step_{step}.html", context)


@organizer_required
def event(request, slug: str, index: int):
    campaign = managed_campaign(request, slug)
    data = file_port.export_dict(campaign)
    if not 0 <= index < len(data.get("events") or []):
        raise Http404("no such event")
    issues = []
    if request.method == "POST" and request.POST.get("action") == "import_bank":
        step_forms.bank_import(request, campaign)
        return redirect("builder:event", slug=campaign.slug, index=index)
    if request.method == "POST":
        new = copy.deepcopy(data)
        try:
            new = step_forms.EventForm.apply(request, new, campaign, index)
            services.builder_save(user=request.user, data=new, campaign=campaign, step="events")
        except CampaignFileError as error:
            issues, data = error.issues, new
        except UserFacingError as error:
            messages.error(request, str(error))
            data = new
        else:
            messages.success(request, "已保存 Saved")
            return redirect("builder:event", slug=campaign.slug, index=index)
    context = step_context(request, campaign, "events", data, issues)
    context.update(step_forms.EventForm.context(request, campaign, data, index))
    return render(request, "builder/event.html", context)


def review(request, campaign):
    """Every problem the campaign still has, each linked to its step: the file's rules (a saved campaign
    always passes them), the builder's checks, and what publishing needs."""
    data = file_port.export_dict(campaign)
    problems = services.review_issues(request.user, campaign)
    context = step_context(request, campaign, "review", data, problems)
    return render(request, "builder/step_review.html", context)


def publish(request, campaign):
    data = file_port.export_dict(campaign)
    if request.method == "POST":
        try:
            services.builder_publish(user=request.user, campaign=campaign)
        except CampaignFileError as error:
            context = step_context(request, campaign, "publish", data, error.issues)
            return render(request, "builder/step_publish.html", context)
        except UserFacingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"“{campaign.title}”已发布 Published")
        return redirect("builder:step", slug=campaign.slug, step="publish")
    context = step_context(request, campaign, "publish", data, services.readiness_issues(data))
    return render(request, "builder/step_publish.html", context)
