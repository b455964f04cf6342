"""The client's address: the one place the product reads it (login throttling, visit counts, the
network of a like).

`X-Forwarded-For` is written by whoever sends the request, so it is believed only when the peer
(`REMOTE_ADDR`) is one of our own proxies, listed in `settings.TRUSTED_PROXIES` (env
`DJANGO_TRUSTED_PROXIES`: IPs or CIDRs, comma-separated; empty by default = no proxy). The header is
then read right to left — each trusted hop appends the address it saw — and the first address that is
not a trusted proxy is the client. Whatever a client wrote further left is never read, so a spoofed
header cannot choose someone else's address (or a fresh one per request)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    # Keyed on the setting's value, so a changed setting (tests) is read afresh.
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str) -> Address | None:
    """An address as proxies write it: bare, IPv6 in brackets, or with a port."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request) -> str:
    """The client's IP address as text ("" when the server gives none)."""
    meta = request.META
    peer = _address(meta.get("REMOTE_ADDR") or "")
    if peer is None:
        return (meta.get("REMOTE_ADDR") or "").strip()
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(peer, networks):
        return str(peer)
    hops = [hop for hop in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # garbage where our proxy should have written an address: stop at the last good hop
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
