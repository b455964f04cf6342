"""The campaign as a file (download, upload), one-click clone, and the preview of what families will see."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from builder import file_port, services
from builder.file_port import CampaignFileError
from builder.views.common import managed_campaign, organizer_required
from config.errors import UserFacingError

MAX_UPLOAD_BYTES = 1_000_000


@organizer_required
def download(request, slug: str):
    campaign = managed_campaign(request, slug)
    response = HttpResponse(file_port.export_text(campaign), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}.yaml"'
    return response


@organizer_required
def upload(request, slug: str | None = None):
    """Create a campaign from a YAML file, or (with a slug) update that campaign; errors listed per line."""
    campaign = managed_campaign(request, slug) if slug else None
    issues = []
    if request.method == "POST":
        content = request.FILES.get("file")
        try:
            if content is None:
                raise UserFacingError("file_required", "请选择一个 YAML 文件", "choose a YAML file")
            if content.size > MAX_UPLOAD_BYTES:
                raise UserFacingError("file_too_large", "文件过大（超过 1 MB）", "the file is larger than 1 MB")
            saved = services.builder_upload(user=request.user, content=content.read(), campaign=campaign)
        except CampaignFileError as error:
            issues = error.issues
        except UserFacingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已从文件保存“{saved.title}” Saved from the file")
            return redirect("builder:step", slug=saved.slug, step="review")
    return render(request, "builder/upload.html", {"campaign": campaign, "issues": issues},
                  status=400 if issues else 200)


@organizer_required
@require_POST
def clone(request, slug: str):
    campaign = managed_campaign(request, slug)
    try:
        copy = services.builder_clone(user=request.user, campaign=campaign)
    except CampaignFileError as error:
        messages.error(request, "；".join(f"{i.path}: {i.message_zh} ({i.message_en})" for i in error.issues[:5]))
        return redirect("builder:step", slug=campaign.slug, step="basics")
    except UserFacingError as error:
        messages.error(request, str(error))
        return redirect("builder:step", slug=campaign.slug, step="basics")
    messages.success(request, f"已复制为新草稿“{copy.title}” Copied to a new draft")
    return redirect("builder:step", slug=copy.slug, step="basics")


@organizer_required
def preview(request, slug: str):
    """Links to the pages a family will see (they render the draft as it stands), opened in this tab."""
    campaign = managed_campaign(request, slug)
    branch = campaign.branches.select_related("library").order_by("library__path").first()
    events = list(campaign.events.order_by("position", "id")) if hasattr(campaign, "events") else []
    pages = [("活动主页", "Campaign page", reverse("campaign", args=[campaign.slug]))]
    if branch is not None:
        pages.append((f"分馆页面：{branch.library.name}", f"Branch page: {branch.library.code}",
                      reverse("branch", args=[campaign.slug, branch.library.code])))
    for event in events:
        url = reverse("events:quiz", args=[event.pk]) if event.kind == "quiz" else \
            reverse("campaign", args=[campaign.slug]) + f"#event-{event.slug}"
        pages.append((f"项目页面：{event.title}", f"Event page: {event.slug}", url))
    return render(request, "builder/preview.html", {"campaign": campaign, "pages": pages,
                                                    "step": "preview", "steps": []})
