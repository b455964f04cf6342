from django.urls import path

from events import views

app_name = "events"
urlpatterns = [
    path("ping/", views.ping, name="ping"),
    path("quiz/<int:event_id>/", views.quiz_home, name="quiz"),
    path("quiz/<int:event_id>/start/", views.quiz_start, name="quiz_start"),
    path("quiz/<int:event_id>/practice/", views.practice_bank, name="practice"),
    path("quiz/<int:event_id>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("quiz/<int:event_id>/leaderboard.xlsx", views.leaderboard_xlsx, name="leaderboard_xlsx"),
    path("quiz/<int:event_id>/live/new/", views.live_new, name="live_new"),
    path("attempt/<str:token>/", views.attempt_page, name="attempt"),
    path("attempt/<str:token>/answer/", views.attempt_answer, name="answer"),
    path("attempt/<str:token>/finish/", views.attempt_finish, name="finish"),
    path("attempt/<str:token>/result/", views.attempt_result, name="result"),
    path("live/", views.live_join, name="live_join"),
    path("live/<str:code>/host/", views.live_host, name="live_host"),
    path("live/<str:code>/play/<str:token>/", views.live_play, name="live_play"),
]
