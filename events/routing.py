from django.urls import path

from events import consumers

websocket_urlpatterns: list = [
    path("ws/events/quiz/<int:event_id>/board/", consumers.LeaderboardConsumer.as_asgi()),
    path("ws/events/live/<str:code>/", consumers.LiveConsumer.as_asgi()),
]
