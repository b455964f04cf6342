from django.urls import path

from builder.views import files, formula, landing, panels, steps

app_name = "builder"
urlpatterns = [
    path("", landing.home, name="home"),
    path("start/", landing.start, name="start"),
    path("new/", landing.new, name="new"),
    path("upload/", files.upload, name="upload"),
    path("formula/", formula.formula, name="formula"),
    path("c/<slug:slug>/", steps.step, {"step": "basics"}, name="campaign"),
    path("c/<slug:slug>/events/<int:index>/", steps.event, name="event"),
    path("c/<slug:slug>/campaign.yaml", files.download, name="download"),
    path("c/<slug:slug>/upload/", files.upload, name="upload_into"),
    path("c/<slug:slug>/clone/", files.clone, name="clone"),
    path("c/<slug:slug>/panels/", panels.panel, name="panel"),
    path("c/<slug:slug>/preview/", files.preview, name="preview"),
    path("c/<slug:slug>/<str:step>/", steps.step, name="step"),
]
