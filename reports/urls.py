from django.urls import path

from reports import survey_views, views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("c/<slug:slug>/", views.report_view, name="report"),
    path("c/<slug:slug>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("c/<slug:slug>/export.csv", views.export_csv, name="export_csv"),
    path("c/<slug:slug>/surveys/", survey_views.surveys_view, name="surveys"),
    path("c/<slug:slug>/surveys.xlsx", survey_views.surveys_xlsx, name="surveys_xlsx"),
]
