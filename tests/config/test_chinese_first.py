"""Chinese first: a browser asking for English still gets 简体中文; the language switch (set_language,
cookie django_language) is the only way to English, and switching back works."""

import pytest
from django.conf import settings
from django.test import Client


def _lang(response) -> str:
    html = response.content.decode()
    return html[html.index("<html lang=\"") + 12:].split('"', 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9", "fr-FR,en;q=0.8", "zh-CN,zh;q=0.9", ""])
def test_default_is_chinese_whatever_the_browser_asks(accept):
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert _lang(response) == "zh-CN"
    assert response.wsgi_request.LANGUAGE_CODE == "zh-hans"


@pytest.mark.django_db
def test_language_switch_still_chooses_english_and_back():
    client = Client()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert switched.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert _lang(english) == "en" and english.wsgi_request.LANGUAGE_CODE == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="en")) == "zh-CN"


@pytest.mark.django_db
def test_unknown_cookie_value_falls_back_to_chinese():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "klingon"
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="en")) == "zh-CN"


def test_settings_use_the_chinese_first_middleware():
    assert "config.locale.ChineseFirstLocaleMiddleware" in settings.MIDDLEWARE
    assert "django.middleware.locale.LocaleMiddleware" not in settings.MIDDLEWARE
    assert settings.LANGUAGE_CODE == "zh-hans"
