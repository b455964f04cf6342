from django.urls import path

from judging.consumers import ProgressConsumer

websocket_urlpatterns: list = [
    path("ws/judging/rounds/<int:round_id>/progress/", ProgressConsumer.as_asgi()),
]
