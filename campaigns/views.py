from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from campaigns.models import Campaign
from campaigns.selectors import children_of


def home(request):
    campaigns = Campaign.objects.select_related("lead_library").prefetch_related("stages")
    return render(request, "campaigns/home.html", {"campaigns": campaigns})


login_view = auth_views.LoginView.as_view(template_name="campaigns/login.html")
logout_view = auth_views.LogoutView.as_view()


def register(request):
    return render(request, "campaigns/register.html", {})


@login_required
def family(request):
    return render(request, "campaigns/family.html", {"children": children_of(request.user)})


@require_POST
def large_text(request):
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    on = request.COOKIES.get("large_text") != "1"
    response.set_cookie("large_text", "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response
