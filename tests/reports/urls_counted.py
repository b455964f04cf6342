"""A URLconf for the middleware tests: counted pages that answer 200 (or 404 for unknown slugs)."""

from django.http import Http404, HttpResponse
from django.urls import include, path


def campaign_page(request, slug, code=None):
    if slug == "missing":
        raise Http404
    return HttpResponse("ok")


urlpatterns = [
    path("c/<slug:slug>/", campaign_page),
    path("c/<slug:slug>/lib/<str:code>/", campaign_page),
    path("c/<slug:slug>/gallery/", campaign_page),
    path("", include("config.urls")),
]
