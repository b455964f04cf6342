"""Chinese first: every visitor gets 简体中文 unless they chose English with the language switch.

Django's LocaleMiddleware follows the browser's Accept-Language, so a phone set to English would get
English pages even though the product (and most families' expectations) is Chinese first. This
subclass looks only at an explicit choice: a language prefix in the URL (if i18n_patterns are ever
used) or the `django_language` cookie that `set_language` (the switch in templates/base.html) sets.
Everything else gets LANGUAGE_CODE (zh-hans)."""

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def language_from_choice(request) -> str:
    """The language the visitor chose (URL prefix, then cookie), else the Chinese default."""
    urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
    i18n_patterns_used, _prefixed_default = is_language_prefix_patterns_used(urlconf)
    if i18n_patterns_used:
        from_path = translation.get_language_from_path(request.path_info)
        if from_path:
            return from_path
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        translation.activate(language_from_choice(request))
        request.LANGUAGE_CODE = translation.get_language()
