from django.urls import path

from submissions import reading_views, views

app_name = "submissions"
urlpatterns = [
    path("event/<int:event_id>/submit/", views.submit, name="submit"),
    path("event/<int:event_id>/gallery/", views.gallery, name="gallery"),
    path("poem/<int:poem_id>/reading/", views.poem_reading, name="poem_reading"),
    path("poems/", reading_views.poem_catalogue, name="poem_catalogue"),
    path("poems/<int:poem_id>/reading/upload/", reading_views.poem_reading_upload_view, name="poem_reading_upload"),
    path("poems/<int:poem_id>/reading/remove/", reading_views.poem_reading_remove_view, name="poem_reading_remove"),
    path("moderation/", views.moderation, name="moderation"),
    path("media/<str:token>/", views.media, name="media"),
    path("<int:entry_id>/", views.entry_detail, name="entry"),
    path("<int:entry_id>/status/", views.entry_status, name="status"),
    path("<int:entry_id>/withdraw/", views.entry_withdraw, name="withdraw"),
    path("<int:entry_id>/moderate/", views.moderate, name="moderate"),
]
