"""Log in by phone number (guardians) or username (staff), with failed attempts rate-limited."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db.models import Q

from campaigns.models import User


def _attempt_key(identifier: str, ip: str) -> str:
    return f"login-fail:{identifier.strip().lower()}:{ip}"


def login_blocked(identifier: str, ip: str) -> bool:
    return (cache.get(_attempt_key(identifier, ip)) or 0) >= settings.LOGIN_RATE_LIMIT


def login_failed(identifier: str, ip: str) -> None:
    key = _attempt_key(identifier, ip)
    if cache.add(key, 1, settings.LOGIN_RATE_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.LOGIN_RATE_WINDOW)


def login_succeeded(identifier: str, ip: str) -> None:
    cache.delete(_attempt_key(identifier, ip))


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
