"""No NUL character (\\x00) reaches a query from the request's address or cookies.

PostgreSQL text cannot hold NUL: a library code (`/c/<slug>/lib/%00/`), a query parameter
(`?province=%00`) or a session cookie with an octal escape (`sessionid="abcdefgh\\000"`, which Python's
cookie parser decodes to NUL) reached the database and raised DataError — a 500 on PostgreSQL where
SQLite answered 404. No real link or cookie carries one, so: a cookie holding NUL is dropped (as good
as none), and an address holding one is refused with a bilingual 400 before any view or session reads
it. Form fields are Django forms', which refuse NUL themselves (ProhibitNullCharactersValidator)."""

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from config.errors import UserFacingError

REFUSED = UserFacingError("bad_characters", "地址中含有无效字符（NUL），请检查链接后重试。",
                          "The address holds an invalid character (NUL); check the link and try again.")


def _holds_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists())


class NulGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [n for n, v in request.COOKIES.items() if "\x00" in n or "\x00" in v]:
            del request.COOKIES[name]
        if _holds_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse(REFUSED.as_dict(), status=REFUSED.status, json_dumps_params={"ensure_ascii": False})
            return HttpResponse(render_to_string("400.html", REFUSED.as_dict()), status=REFUSED.status)
        return self.get_response(request)
