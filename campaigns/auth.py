"""Log in by phone number (guardians) or username (staff). Failed logins are throttled by django-axes
(config/settings.py, AXES_*): per account and per client address, each on its own, so neither many
addresses against one account nor one password sprayed across accounts gets far (docs/families.md)."""

from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Max, Q
from django.shortcuts import render
from django.utils import timezone

from campaigns.models import User


def login_identifier(request, credentials) -> str:
    """The account a login names, as axes counts it: `13800000001`, ` 13800000001 ` and `Admin`/`admin`
    are one account each, not several."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return str(value or "").strip().lower()


def retry_at(request, credentials) -> "timezone.datetime":
    """When a locked-out login may try again: the cool-off after the last failure of that account or address."""
    from axes.helpers import get_client_ip_address
    from axes.models import AccessAttempt

    last = AccessAttempt.objects.filter(
        Q(username=login_identifier(request, credentials)) | Q(ip_address=get_client_ip_address(request))
    ).aggregate(last=Max("attempt_time"))["last"] or timezone.now()
    return last + timedelta(seconds=settings.LOGIN_RATE_WINDOW)


def locked_out(request, response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again, saying (in both languages) when to try again."""
    from campaigns.forms import PhoneLoginForm

    until = retry_at(request, credentials)
    minutes = max(1, int((until - timezone.now()).total_seconds() + 59) // 60)
    return render(request, "campaigns/login.html", {
        "form": PhoneLoginForm(request), "blocked": True, "blocked_minutes": minutes,
        "blocked_until": timezone.localtime(until),
    }, status=429)


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = User.objects.filter(Q(phone=username.strip()) | Q(username=username.strip())).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def organizer_required(refusal: str):
    """A view for organizers only: anonymous visitors go to the login page, other users get a 403
    that says why (`refusal`, Chinese then English)."""
    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    from campaigns.selectors import is_organizer

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_organizer(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
