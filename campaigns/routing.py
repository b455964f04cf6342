from django.urls import path

from campaigns.consumers import ParticipantsConsumer

websocket_urlpatterns = [
    path("ws/c/<slug:slug>/participants/", ParticipantsConsumer.as_asgi()),
]
