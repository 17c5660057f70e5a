"""Opening live websockets in tests, through the whole ASGI stack (origin check,
session cookie, routing), as a browser on the site would; the sockets' paths; and the
scenarios several tests share."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.testing import asgi_application
from realtime import bridge
from realtime.publish import synthesis_pushes

application = asgi_application()

ORIGIN = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
TIMEOUT = 5


def board_path(board) -> str:
    return f"/ws/boards/{board.slug}/"


def thread_path(thread, after: int | None = None) -> str:
    return f"/ws/threads/{thread.pk}/" + (f"?after={after}" if after is not None else "")


def session_path(session) -> str:
    """The socket of the session's live page."""
    return f"/ws/sessions/{session.slug}/live/"


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


# Whole scenarios the tests share, called from synchronous tests: each runs its sockets in
# an event loop of its own, and its database calls in the database's thread.


def event_after(path: str, action, /, *args, cookie: bytes = b"", **kwargs) -> tuple[Any, dict]:
    """What `action(*args, **kwargs)` returned, run while a reader follows `path`, and
    the first event that reader then received.

    As `intercoop run` does, the test's loop is attached to realtime.bridge, so that
    a push sent from another thread (a coalesced synthesis push, realtime.coalesce)
    reaches it; pushes scheduled before the reader connects are sent first."""
    synthesis_pushes.flush()

    @async_to_sync
    async def scenario():
        bridge.attach(asyncio.get_running_loop())
        try:
            socket, _ready = await open_socket(path, cookie=cookie)
            result = await database_sync_to_async(action)(*args, **kwargs)
            message = await receive_until(socket, "event")
            await socket.disconnect()
        finally:
            bridge.detach()
        return result, message

    return scenario()


def first_message(path: str, *, cookie: bytes = b"") -> dict:
    """The first message a reader of `path` receives (ready, reset, or a replayed event)."""

    @async_to_sync
    async def scenario():
        socket, first = await open_socket(path, cookie=cookie)
        await socket.disconnect()
        return first

    return scenario()


def refusal_codes(*paths: str, cookie: bytes = b"") -> tuple[int | None, ...]:
    """The codes the sockets at `paths` are refused with (see `refusal_code`)."""

    @async_to_sync
    async def scenario():
        return tuple([await refusal_code(path, cookie=cookie) for path in paths])

    return scenario()


def close_code_at(path: str) -> int | None:
    """The code a socket at `path` is closed with right after the handshake."""

    @async_to_sync
    async def scenario():
        socket = communicator(path)
        await socket.connect()
        code = await close_code(socket)
        await socket.disconnect()
        return code

    return scenario()
