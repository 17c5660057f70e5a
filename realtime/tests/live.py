"""Opening live websockets in tests, through the whole ASGI stack (origin check,
session cookie, routing), as a browser on the site would."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application

ORIGIN = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
TIMEOUT = 5


def cookie_for(user, *, language: str | None = None) -> bytes:
    """The Cookie header of a browser where `user` is signed in (None: anonymous)."""
    cookies = []
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append(f"sessionid={client.cookies['sessionid'].value}")
    if language:
        cookies.append(f"django_language={language}")
    return "; ".join(cookies).encode()


def communicator(path: str, *, cookie: bytes = b"") -> WebsocketCommunicator:
    headers = list(ORIGIN)
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)


async def open_socket(path: str, *, cookie: bytes = b"") -> tuple[WebsocketCommunicator, dict]:
    """A connected socket and its first message (ready, reset, or the first replayed event)."""
    socket = communicator(path, cookie=cookie)
    connected, _subprotocol = await socket.connect(timeout=TIMEOUT)
    assert connected
    first = await socket.receive_json_from(timeout=TIMEOUT)
    return socket, first


async def close_code(socket: WebsocketCommunicator) -> int | None:
    """The code the server closed the socket with (it must close it)."""
    output = await socket.receive_output(timeout=TIMEOUT)
    assert output["type"] == "websocket.close", output
    return output.get("code")


async def receive_until(socket: WebsocketCommunicator, message_type: str) -> dict:
    """The next message of `message_type`, skipping others (presence counts...)."""
    while True:
        message = await socket.receive_json_from(timeout=TIMEOUT)
        if message["type"] == message_type:
            return message


async def refusal_code(path: str, *, cookie: bytes = b"") -> int | None:
    """The code a refused socket is closed with: accepted first, then closed with a
    code the browser can read."""
    socket = communicator(path, cookie=cookie)
    connected, _subprotocol = await socket.connect(timeout=TIMEOUT)
    assert connected
    code = await close_code(socket)
    await socket.disconnect()
    return code


def page_status(url: str, user=None) -> int:
    """The status of the page at `url` for `user` (None: anonymous)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code
