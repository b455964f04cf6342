from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("wechat/", include("wechat.urls")),
    path("reports/", include("reports.urls")),
    path("builder/", include("builder.urls")),
    path("judging/", include("judging.urls")),
    path("reading/", include("reading.urls")),
    path("entries/", include("submissions.urls")),
    path("events/", include("events.urls")),
    path("surveys/", include("feedback.urls")),
    path("", include("campaigns.urls")),
]

if settings.DEBUG:  # pragma: no cover
    urlpatterns += []
