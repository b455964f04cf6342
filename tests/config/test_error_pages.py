"""The 404, 403 and 500 pages are the site's own: bilingual, in the page layout (so the 长辈模式 and
大字模式 switches and the way home are there, and the display modes apply), never Django's bare English."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_not_found_is_bilingual_in_the_layout_and_keeps_elder_mode():
    client = Client()
    client.cookies["elder_mode"] = "1"
    response = client.get("/events/quiz/2147480000/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "找不到这个页面" in page and "Page not found" in page
    assert 'id="elder-switch"' in page and 'class=" elder"' in page  # the switch, and the mode applied


def test_forbidden_is_bilingual_and_offers_sign_in():
    request = RequestFactory().get("/judging/c/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = defaults.permission_denied(request, PermissionDenied("not your library"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in page and "Not allowed" in page and "/accounts/login/?next=/judging/c/x/" in page


def test_server_error_is_bilingual_without_a_request_context():
    response = defaults.server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="zh-CN">' in page and "服务器出错了" in page and "Server error" in page


def test_a_form_post_without_its_token_gets_the_bilingual_expired_page():
    """A form sent from a stale page (no CSRF token) is refused with the site's own page, not
    Django's bare English one, and nothing is done."""
    from campaigns.models import User

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/register/", {"phone": "13900000123", "password1": "x", "password2": "x"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in page and "This page expired" in page and 'id="elder-switch"' in page
    assert "CSRF" not in page  # the reason is logged, not shown
    assert not User.objects.filter(phone="13900000123").exists()
