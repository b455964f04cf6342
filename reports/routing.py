from django.urls import path

from reports.consumers import ReportCountersConsumer

websocket_urlpatterns: list = [
    path("ws/reports/c/<slug:slug>/", ReportCountersConsumer.as_asgi()),
]
