from django.conf import settings


def site(request):
    return {
        "SITE_URL": settings.SITE_URL,
        "WS_ORIGIN": settings.WS_ORIGIN,  # read by static/js/socket.js
        "large_text": request.COOKIES.get("large_text") == "1",
        "elder_mode": request.COOKIES.get("elder_mode") == "1",
    }
