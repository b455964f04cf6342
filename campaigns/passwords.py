"""Password rules beyond Django's validators (AUTH_PASSWORD_VALIDATORS in config/settings.py).

- `SiteWordsValidator`, for everyone: a password that is only this site's name or another obvious
  word with digits or symbols around it (`shuxiang`, `Shuxiang2027!`, `tushuguan123`) is the first
  thing an attacker tries here, and Django's common-password list does not know it.
- `RolePasswordValidator`: organizers, judges and staff hold children's data and results, so their
  passwords are longer and mix kinds of characters (STAFF_PASSWORD_MIN_LENGTH, default 12; 0 turns the
  rule off). Guardians keep Django's minimum. It applies wherever Django validates a password
  (admin, password change, `createsuperuser`, `changepassword`).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError

SITE_WORDS = {"shuxiang", "shuxian", "wangluoshuxiang", "tushuguan", "library", "password", "passwd", "mima",
              "qwerty", "qwertyuiop", "asdfgh", "woaini", "iloveyou", "admin", "abc", "abcd", "abcdef", "书香",
              "网络书香", "图书馆", "密码"}


class SiteWordsValidator:
    def validate(self, password, user=None):
        core = re.sub(r"[\d\W_]+", "", password.lower())
        repeated = any(core == word * (len(core) // len(word)) for word in SITE_WORDS if core)  # 书香书香
        if repeated or not core and len(set(password)) < 4:
            raise ValidationError(
                "密码太容易猜到（网站名或常用词加数字）。The password is too easy to guess (the site's name or a "
                "common word with digits).", code="password_site_word")

    def get_help_text(self):
        return "不能只是网站名或常用词加数字。Not just the site's name or a common word with digits."


def has_staff_role(user) -> bool:
    if user is None:
        return False
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    if getattr(user, "pk", None) is None:
        return False
    from campaigns.models import OrganizerRole

    if OrganizerRole.objects.filter(user=user).exists():
        return True
    return any(check(user) for check in _staff_roles.values())


# Later apps name their own staff roles (judging: judges) from AppConfig.ready(), so campaigns
# never imports them: register_staff_role("judge", lambda user: Judge.objects.filter(user=user).exists()).
_staff_roles: dict = {}


def register_staff_role(key: str, check) -> None:
    _staff_roles[key] = check


def _classes(password: str) -> int:
    return sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))


class RolePasswordValidator:
    def min_length(self) -> int:
        return int(getattr(settings, "STAFF_PASSWORD_MIN_LENGTH", 12))

    def validate(self, password, user=None):
        length = self.min_length()
        if length <= 0 or not has_staff_role(user):
            return
        if len(password) < length or _classes(password) < 3:
            raise ValidationError(
                f"组织者和评委的密码至少 {length} 位，并包含大写字母、小写字母、数字、符号中的三种。"
                f"Organizers and judges need at least {length} characters mixing three of: upper case, "
                "lower case, digits, symbols.", code="password_role_too_weak")

    def get_help_text(self):
        return (f"组织者和评委：至少 {self.min_length()} 位，含三类字符。"
                f"Organizers and judges: at least {self.min_length()} characters of three kinds.")
