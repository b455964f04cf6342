"""Where each role starts after login, and the builder's own home (新建活动 and the organizer's campaigns)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from builder import selectors, services
from builder.file_port import CampaignFileError
from builder.views.common import organizer_required
from campaigns.models import Campaign, Library
from campaigns.selectors import children_of, is_organizer
from config.errors import UserFacingError


@login_required
def start(request):
    """LOGIN_REDIRECT_URL: organizers to their dashboard, judges to their queue, guardians to their family."""
    user = request.user
    if is_organizer(user):
        return redirect("reports:dashboard")
    if hasattr(user, "judge") and not children_of(user).exists():
        return redirect("judging:queue")
    return redirect("family")


@organizer_required
def home(request):
    return render(request, "builder/home.html", {"rows": selectors.builder_campaigns(request.user)})


@organizer_required
def new(request):
    user = request.user
    leads = selectors.lead_choices(user)
    sources = list(selectors.clone_sources(user)[:200])
    values = {"template": request.GET.get("template", "blank"), "slug": "", "title": "",
              "lead": leads[0].code if leads else "", "source": request.GET.get("source", "")}
    issues = []
    if request.method == "POST":
        values.update({k: (request.POST.get(k) or "").strip() for k in ("template", "slug", "title", "lead", "source")})
        lead = next((lib for lib in leads if lib.code == values["lead"]), None)
        source = None
        if values["template"] == "clone":
            source = next((c for c in sources if c.slug == values["source"]), None)
        try:
            if lead is None:
                raise UserFacingError("lead_required", "请选择牵头图书馆", "choose the lead library")
            if values["template"] == "clone" and source is None:
                raise UserFacingError("source_required", "请选择要复制的活动", "choose the campaign to copy")
            campaign = services.builder_create(
                user=user, slug=values["slug"], title=values["title"], lead=lead,
                template="blank" if source else values["template"], source=source)
        except CampaignFileError as error:
            issues = error.issues
        except UserFacingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已创建草稿“{campaign.title}” Draft created")
            return redirect("builder:step", slug=campaign.slug, step="basics")
    return render(request, "builder/new.html", {
        "values": values, "issues": issues, "leads": leads, "sources": sources,
        "templates": services.TEMPLATES, "campaign_count": Campaign.objects.count(),
        "national": any(lib.level == Library.Level.NATIONAL for lib in leads),
    })
