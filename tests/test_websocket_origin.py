"""Which pages may open a websocket (config/origins.py), through the whole ASGI stack.

A page's origin is its scheme, host and port (RFC 6454): another port of the same
host is another site (any local web server), and must not open a socket carrying
the reader's session cookie.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from config.testing import asgi_application

application = asgi_application()

pytestmark = pytest.mark.django_db


@async_to_sync
async def _opens(origin: str | None, host: str = "127.0.0.1:8000") -> bool:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, "/ws/health/", headers=headers)
    connected, _code = await communicator.connect(timeout=5)
    if connected:
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
        await communicator.disconnect()
    return connected


@pytest.fixture(autouse=True)
def _site(settings):
    settings.INTERCOOP_SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:1",
        "http://127.0.0.1:1",
        "http://127.0.0.1",  # port 80
        "https://127.0.0.1:8000",  # another scheme
        "http://127.0.0.1:8000.evil.example",
        "http://evil.example:8000",
        "null",  # a sandboxed frame, a file
        "http://127.0.0.1:99999",
        "",
    ],
)
def test_an_origin_on_another_port_scheme_or_host_is_refused(origin):
    assert not _opens(origin)


def test_a_handshake_without_an_origin_is_refused():
    assert not _opens(None)


def test_the_sites_own_origin_is_accepted():
    assert _opens("http://127.0.0.1:8000")
    assert _opens("HTTP://127.0.0.1:8000")


def test_an_allowed_host_is_accepted_on_the_port_the_request_came_to():
    assert _opens("http://localhost:8000", host="localhost:8000")
    assert _opens("http://[::1]:8123", host="[::1]:8123")
    assert not _opens("http://localhost:8000", host="localhost:8123")
    assert not _opens("http://localhost:8123", host="localhost:8000")
    assert not _opens("http://localhost:1", host="localhost:8000")


def test_behind_a_proxy_the_site_url_is_what_pages_come_from(settings):
    settings.INTERCOOP_SITE_URL = "https://forum.intercoop.test"
    settings.ALLOWED_HOSTS = ["forum.intercoop.test"]
    # The proxy talks to the web process on its own port; the page came from the site.
    assert _opens("https://forum.intercoop.test", host="web:8000")
    assert _opens("https://forum.intercoop.test:443", host="forum.intercoop.test")
    assert not _opens("https://forum.intercoop.test:8443", host="forum.intercoop.test")
    assert not _opens("http://forum.intercoop.test", host="web:8000")
    assert not _opens("https://evil.intercoop.test", host="forum.intercoop.test")
