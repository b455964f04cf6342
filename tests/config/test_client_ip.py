"""The one client-IP helper: X-Forwarded-For is read only from our own proxies, right to left."""

import pytest
from django.test import RequestFactory

from config.client_ip import client_ip

rf = RequestFactory()


def ip_of(remote: str, forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert ip_of("203.0.113.9") == "203.0.113.9"
    assert ip_of("203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip_of("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert ip_of("203.0.113.9", "10.0.0.5") == "203.0.113.9"  # claiming to be our proxy changes nothing


def test_behind_a_trusted_proxy_the_client_is_the_address_it_saw(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7"]
    assert ip_of("10.0.0.2", "198.51.100.1") == "198.51.100.1"
    # Two trusted hops (CDN edge 192.0.2.7, then our proxy): skip both, right to left.
    assert ip_of("10.0.0.2", "198.51.100.1, 192.0.2.7") == "198.51.100.1"
    # The client wrote its own header first: our proxy appended the real address; the forgery is left of it.
    assert ip_of("10.0.0.2", "6.6.6.6, 198.51.100.1") == "198.51.100.1"
    assert ip_of("10.0.0.2", "1.1.1.1,2.2.2.2, 198.51.100.1, 192.0.2.7") == "198.51.100.1"


def test_forms_proxies_write(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "::1"]
    assert ip_of("10.0.0.2", "198.51.100.1:4711") == "198.51.100.1"
    assert ip_of("10.0.0.2", "[2001:db8::1]:443") == "2001:db8::1"
    assert ip_of("::1", "2001:db8::2") == "2001:db8::2"
    assert ip_of("::ffff:10.0.0.2", "198.51.100.3") == "198.51.100.3"  # IPv4-mapped peer
    assert ip_of("10.0.0.2", "") == "10.0.0.2"  # no header: the proxy itself
    assert ip_of("10.0.0.2", "10.0.0.3") == "10.0.0.3"  # only trusted hops: the leftmost
    assert ip_of("10.0.0.2", "not-an-ip, 198.51.100.4") == "198.51.100.4"
    assert ip_of("10.0.0.2", "198.51.100.4, garbage") == "10.0.0.2"  # never past what our proxy wrote


def test_bad_setting_refuses_to_start(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings import env_networks

    monkeypatch.setenv("DJANGO_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.300")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_TRUSTED_PROXIES.*10.0.0.300"):
        env_networks("DJANGO_TRUSTED_PROXIES")
    monkeypatch.setenv("DJANGO_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,::1")
    assert env_networks("DJANGO_TRUSTED_PROXIES") == ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]
