from django.conf import settings


def site(request):
    return {
        "SITE_URL": settings.SITE_URL,
        "large_text": request.COOKIES.get("large_text") == "1",
    }
