from campaigns.routing import websocket_urlpatterns as campaigns_ws
from events.routing import websocket_urlpatterns as events_ws
from judging.routing import websocket_urlpatterns as judging_ws
from reports.routing import websocket_urlpatterns as reports_ws
from submissions.routing import websocket_urlpatterns as submissions_ws

websocket_urlpatterns = [*campaigns_ws, *events_ws, *submissions_ws, *judging_ws, *reports_ws]
