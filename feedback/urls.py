from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("<int:survey_id>/", views.answer, name="answer"),
]
