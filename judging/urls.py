from django.urls import path

from judging import compare_views, views

app_name = "judging"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("a/<int:assignment_id>/", views.score_page, name="score"),
    path("m/<str:token>", views.media, name="media"),
    path("a/<int:assignment_id>/play", views.play, name="play"),
    path("rounds/<int:round_id>/", views.round_manage, name="round"),
    path("rounds/<int:round_id>/progress/", views.progress_page, name="progress"),
    path("rounds/<int:round_id>/compare/", compare_views.compare, name="compare"),
    path("compare/media/<str:token>", compare_views.compare_media, name="compare_media"),
    path("rounds/<int:round_id>/tie/", views.tie, name="tie"),
    path("rounds/<int:round_id>/export.xlsx", views.results_export, name="export"),
    path("rounds/<int:round_id>/results/", views.public_results, name="public_results"),
    path("discrepancies/<int:discrepancy_id>/arbitrate/", views.arbitrate, name="arbitrate"),
    path("results/<int:result_id>/appeal/", views.appeal, name="appeal"),
    path("c/<slug:slug>/", views.campaign_rounds, name="campaign_rounds"),
    path("c/<slug:slug>/judges/import/", views.judges_import, name="judges_import"),
    path("like/<int:entry_id>/", views.like, name="like"),
    path("verify/", views.verify, name="verify"),
    path("certificates/<str:code>.pdf", views.certificate_download, name="certificate"),
]
