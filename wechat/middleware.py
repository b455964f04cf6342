"""Inside WeChat (MicroMessenger user agent), the login page becomes WeChat web OAuth.

Every page that needs a login redirects to the login page; for a service account opened in
WeChat, this middleware sends the visitor through OAuth instead (no password to type). `?password=1`
keeps the password form (used when linking an existing account)."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from wechat.tokens import account_has_oauth, safe_next


def in_wechat(request) -> bool:
    return "MicroMessenger" in request.META.get("HTTP_USER_AGENT", "")


class WeChatLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.method == "GET" and request.path == reverse("login") and in_wechat(request)
                and not request.GET.get("password") and account_has_oauth()
                and not request.user.is_authenticated):
            target = safe_next(request.GET.get("next"))
            return redirect(reverse("wechat:oauth_start") + "?" + urlencode({"next": target}))
        return self.get_response(request)
