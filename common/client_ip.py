"""The address of the person at the other end of a request, behind trusted proxies.

INTERCOOP_TRUSTED_PROXIES lists the proxies (addresses or networks) whose
X-Forwarded-For is believed. The direct peer (REMOTE_ADDR) is the client unless it
is one of them; then X-Forwarded-For is read from the right, each proxy having
appended the address it saw, and the first address that is not a trusted proxy is
the client. Anything left of it was written by the client and proves nothing. A
peer that is not trusted has its X-Forwarded-For ignored: anyone can send one.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings


@cache
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def proxy_trusted(address, proxies: tuple[str, ...]) -> bool:
    return address is not None and any(address in net for net in _networks(proxies))


def client_ip(request) -> str | None:
    """The client's address, as the trusted proxies report it; None when unknown."""
    proxies = tuple(settings.INTERCOOP_TRUSTED_PROXIES)
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if not proxy_trusted(peer, proxies):
        return str(peer) if peer else None
    hops = request.headers.get("x-forwarded-for", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbled: trust nothing further left
        if not proxy_trusted(address, proxies):
            return str(address)
        peer = address
    return str(peer)
