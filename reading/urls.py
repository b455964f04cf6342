from django.urls import path

from reading import views

app_name = "reading"
urlpatterns = [
    path("e/<int:event_id>/", views.log, name="log"),
    path("c/<slug:slug>/goal.json", views.goal, name="goal"),
    path("c/<slug:slug>/manage/", views.manage, name="manage"),
    path("c/<slug:slug>/report/", views.report, name="report"),
    path("c/<slug:slug>/card/<int:child_id>/", views.card, name="card"),
    path("c/<slug:slug>/poster/<int:child_id>/<slug:badge_key>.png", views.poster, name="poster"),
    path("checkin/<int:session_id>/screen/", views.checkin_screen, name="checkin_screen"),
    path("checkin/<int:session_id>/code.json", views.checkin_code_json, name="checkin_code"),
    path("checkin/<int:session_id>/<str:code>/", views.checkin, name="checkin"),
]
