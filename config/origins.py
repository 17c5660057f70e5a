"""Which pages may open a websocket: the site's own, by scheme, host and port.

A browser sends the origin of the page (scheme, host, port: RFC 6454) with every
websocket handshake, and scripts cannot change it. The socket carries the reader's
session cookie, so a page of another origin that opened one would read what the
reader may read (cross-site websocket hijacking). Channels'
AllowedHostsOriginValidator compares only the host when ALLOWED_HOSTS names hosts
without a scheme, as it does: any port of an allowed host passed
(`http://localhost:1`, that is any other local web server's pages).

An Origin is accepted when its scheme, host and port are those of INTERCOOP_SITE_URL
(the address pages are served at, also behind a proxy), or when its host is allowed
(ALLOWED_HOSTS, Django's patterns) and its scheme and port are those of the request
itself: the Host header's port, else the default port of the request's scheme.
Anything else, a missing, repeated or unreadable Origin included, is refused at the
handshake (403), before any consumer runs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}
# The page's scheme for a websocket request's own: ws is opened from http pages.
PAGE_SCHEMES = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the host as Django writes it in
    ALLOWED_HOSTS (`[::1]` for IPv6); None when it is not one."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or "@" in parts.netloc:
        return None
    if parts.path.strip("/") or parts.query or parts.fragment:
        return None
    return _with_port(scheme, *split_domain_port(parts.netloc))


def _with_port(scheme: str, host: str, port: str) -> tuple[str, str, int] | None:
    if not host:
        return None
    if not port:
        return scheme, host, DEFAULT_PORTS[scheme]
    if not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return scheme, host, int(port)


def _allowed_hosts() -> list[str]:
    # As Django's own Host check: with DEBUG and no list, the local names.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def origin_allowed(origin: str, *, host_header: str, request_scheme: str) -> bool:
    """Whether a page of `origin` may open a socket to this request."""
    page = origin_of(origin)
    if page is None:
        return False
    if page == origin_of(settings.INTERCOOP_SITE_URL):
        return True
    scheme = PAGE_SCHEMES.get(request_scheme.lower())
    if scheme is None or page[0] != scheme:
        return False
    requested = _with_port(scheme, *split_domain_port(host_header.strip()))
    if requested is None or page[2] != requested[2]:
        return False
    return validate_host(page[1], _allowed_hosts())


def handshake_allowed(scope) -> bool:
    """Whether this websocket handshake comes from a page of the site: one Origin, at
    most one Host, and `origin_allowed`."""
    headers: dict[bytes, list[str]] = {}
    for name, value in scope.get("headers", []):
        if name in (b"origin", b"host"):
            headers.setdefault(name, []).append(value.decode("latin1"))
    origins, hosts = headers.get(b"origin", []), headers.get(b"host", [])
    return (
        len(origins) == 1
        and len(hosts) <= 1
        and origin_allowed(
            origins[0],
            host_header=hosts[0] if hosts else "",
            request_scheme=scope.get("scheme", "ws"),
        )
    )


class SiteOriginValidator:
    """ASGI middleware before the websocket routes: the handshake goes on only from
    a page of the site (`handshake_allowed`).

    It hands over the next application's coroutine rather than awaiting it in one of
    its own: nothing of the check stays alive as long as the connection (what a
    connection holds is walked by the process's full collections, common/collector.py)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SiteOriginValidator is for websocket connections only")
        if handshake_allowed(scope):
            return self.application(scope, receive, send)
        return WebsocketDenier()(scope, receive, send)
