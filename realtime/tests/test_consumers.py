"""The health websocket, through the whole ASGI stack (origin check, auth, routing)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from config.testing import asgi_application

application = asgi_application()

pytestmark = pytest.mark.django_db

SAME_ORIGIN = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


def _communicator(headers=SAME_ORIGIN) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/health/", headers=headers)


@async_to_sync
async def _ping_pong() -> tuple[bool, dict]:
    communicator = _communicator()
    connected, _subprotocol = await communicator.connect()
    try:
        await communicator.send_json_to({"type": "ping"})
        answer = await communicator.receive_json_from(timeout=5)
    finally:
        await communicator.disconnect()
    return connected, answer


@async_to_sync
async def _answer_to(**frame) -> dict:
    communicator = _communicator()
    connected, _subprotocol = await communicator.connect()
    assert connected
    await communicator.send_to(**frame)
    output = await communicator.receive_output(timeout=5)
    await communicator.disconnect()
    return output


@async_to_sync
async def _connect_with(headers) -> tuple[bool, int | None]:
    communicator = _communicator(headers)
    connected, code = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected, code


def test_a_ping_gets_a_pong():
    connected, answer = _ping_pong()
    assert connected
    assert answer == {"type": "pong"}


@pytest.mark.parametrize("payload", ['{"type": "hello"}', "[1, 2]", '"ping"', '{"kind": "ping"}'])
def test_anything_but_a_ping_closes_the_socket_with_4400(payload):
    assert _answer_to(text_data=payload) == {"type": "websocket.close", "code": 4400}


@pytest.mark.parametrize(
    "frame",
    [{"text_data": "pas du JSON"}, {"text_data": "{"}, {"bytes_data": b"\x00\x01ping"}],
    ids=["text", "truncated", "binary"],
)
def test_a_frame_that_is_not_json_text_closes_with_4400_instead_of_crashing(frame):
    assert _answer_to(**frame) == {"type": "websocket.close", "code": 4400}


def test_the_socket_keeps_answering_pings():
    @async_to_sync
    async def three_pings():
        communicator = _communicator()
        await communicator.connect()
        answers = []
        for _ in range(3):
            await communicator.send_json_to({"type": "ping"})
            answers.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return answers

    assert three_pings() == [{"type": "pong"}] * 3


def test_a_page_from_another_site_cannot_open_the_socket():
    connected, _code = _connect_with(
        [(b"origin", b"https://evil.example"), (b"host", b"127.0.0.1:8000")]
    )
    assert not connected


def test_a_connection_without_an_origin_is_refused():
    connected, _code = _connect_with([(b"host", b"127.0.0.1:8000")])
    assert not connected
