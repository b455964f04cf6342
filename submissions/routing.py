from django.urls import path

from submissions.consumers import EntryProgressConsumer

websocket_urlpatterns: list = [
    path("ws/entries/<int:entry_id>/", EntryProgressConsumer.as_asgi()),
]
