"""Login throttling by django-axes (campaigns/auth.py): an account is locked whatever the addresses the
guesses come from, an address is locked whatever the accounts it sprays, the client address comes from
the one trusted-proxy helper, and the locked-out page says when to try again in both languages."""

import re

import pytest
from django.test import Client

PASSWORD = "Shuxiang-Family-2027"

pytestmark = pytest.mark.django_db


@pytest.fixture
def guardian(make_user):
    return make_user("13900000031", phone="13900000031", password=PASSWORD)


def attempt(address, username, password="wrong-password", **extra):
    return Client(REMOTE_ADDR=address, **extra).post("/accounts/login/", {"username": username,
                                                                          "password": password})


def test_one_account_from_rotating_addresses_is_locked(guardian, settings):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [attempt(f"203.0.113.{n}", guardian.phone).status_code for n in range(1, 41)]
    assert statuses[:limit - 1] == [200] * (limit - 1)  # evaluated, refused as wrong
    assert set(statuses[limit - 1:]) == {429}  # the limit-th locks; 35 more addresses get nowhere
    # The right password from a fresh address is refused too while the account is locked.
    right = attempt("203.0.113.200", guardian.phone, PASSWORD)
    assert right.status_code == 429
    # Variants of the same login count as the same account.
    assert attempt("203.0.113.201", f" {guardian.phone} ").status_code == 429


def test_one_address_spraying_many_accounts_is_locked(make_user, settings):
    limit = settings.AXES_FAILURE_LIMIT
    victims = [make_user(f"1390000010{n}", phone=f"1390000010{n}", password=PASSWORD) for n in range(limit + 3)]
    statuses = [attempt("198.51.100.7", victim.phone, "Spring2027!").status_code for victim in victims]
    assert statuses[:limit - 1] == [200] * (limit - 1) and set(statuses[limit - 1:]) == {429}
    # Another address is not affected: the last victim logs in from home.
    assert attempt("198.51.100.8", victims[-1].phone, PASSWORD).status_code == 302


def test_the_address_comes_from_the_trusted_proxy_helper(guardian, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    limit = settings.AXES_FAILURE_LIMIT
    # Behind our proxy, each client is its own address: one client's failures do not lock another.
    for _ in range(limit):
        attempt("10.0.0.2", "13900000099", HTTP_X_FORWARDED_FOR="192.0.2.50")
    assert attempt("10.0.0.2", "13900000098", HTTP_X_FORWARDED_FOR="192.0.2.50").status_code == 429
    assert attempt("10.0.0.2", guardian.phone, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.51").status_code == 302
    # A client that is not our proxy cannot pick a fresh address per request by writing the header.
    for n in range(limit):
        attempt("192.0.2.77", f"1390000020{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{100 + n}")
    assert attempt("192.0.2.77", "13900000300", HTTP_X_FORWARDED_FOR="192.0.2.160").status_code == 429


def test_the_locked_out_page_says_when_to_try_again(guardian, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("203.0.113.9", guardian.phone)
    page = attempt("203.0.113.9", guardian.phone).content.decode()
    minutes = settings.LOGIN_RATE_WINDOW // 60
    assert f"请 {minutes} 分钟后" in page and f"try again in {minutes} minutes" in page
    assert re.search(r"（\d\d:\d\d 以后）", page) and re.search(r"after \d\d:\d\d\)", page)
    assert 'id="id_username"' in page  # the login form is still there, labelled


def test_a_lock_ends_after_the_window(guardian, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("203.0.113.10", guardian.phone)
    assert attempt("203.0.113.10", guardian.phone, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=settings.LOGIN_RATE_WINDOW + 1))
    assert attempt("203.0.113.10", guardian.phone, PASSWORD).status_code == 302
