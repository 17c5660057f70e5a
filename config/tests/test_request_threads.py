"""Request threads kept between requests (config/request_threads.py): each request's
sync code on one thread, one request at a time on a thread, and a thread whose
request was cancelled never used again."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import HttpCommunicator

from config.request_threads import RequestThreads


class Recorder:
    """An ASGI application whose request runs sync code twice, as a view and the
    response's close do, and answers which threads ran it."""

    def __init__(self, pause: float = 0.0):
        self.pause = pause
        self.threads: list[tuple[int, int]] = []

    async def __call__(self, scope, receive, send):
        first = await sync_to_async(threading.get_ident)()
        if self.pause:
            await asyncio.sleep(self.pause)
        second = await sync_to_async(threading.get_ident)()
        self.threads.append((first, second))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def request(application) -> int:
    response = async_to_sync(HttpCommunicator(application, "GET", "/").get_response)()
    return response["status"]


def test_requests_one_after_another_run_on_the_same_kept_thread():
    recorder = Recorder()
    application = RequestThreads(recorder)
    for _ in range(20):
        assert request(application) == 200
    assert all(first == second for first, second in recorder.threads)  # one thread a request
    assert len({first for first, _ in recorder.threads}) == 1
    assert recorder.threads[0][0] != threading.get_ident()


def test_requests_at_the_same_time_run_on_threads_of_their_own():
    recorder = Recorder(pause=0.05)
    application = RequestThreads(recorder)

    async def together():
        communicators = [HttpCommunicator(application, "GET", "/") for _ in range(4)]
        return await asyncio.gather(*(c.get_response() for c in communicators))

    assert [r["status"] for r in async_to_sync(together)()] == [200] * 4
    assert len({first for first, _ in recorder.threads}) == 4
    assert all(first == second for first, second in recorder.threads)


def test_a_cancelled_requests_thread_is_not_used_again():
    recorder = Recorder(pause=5)
    application = RequestThreads(recorder)

    async def cancelled():
        task = asyncio.ensure_future(HttpCommunicator(application, "GET", "/").get_response())
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    async_to_sync(cancelled)()
    assert application._idle == []
    recorder.pause = 0
    assert request(application) == 200


def test_websockets_are_left_to_the_application():
    seen = []

    async def application(scope, receive, send):
        seen.append(scope["type"])

    async_to_sync(RequestThreads(application))({"type": "websocket"}, None, None)
    assert seen == ["websocket"]


@pytest.mark.django_db(transaction=True)
def test_the_web_application_serves_pages_on_kept_threads():
    from django.core.signals import request_started

    from config.testing import asgi_application

    application = asgi_application()
    threads = []

    def started(**kwargs):
        threads.append(threading.get_ident())

    request_started.connect(started)
    try:
        for _ in range(10):
            communicator = HttpCommunicator(
                application, "GET", "/accounts/login/", headers=[(b"host", b"localhost")]
            )
            assert async_to_sync(communicator.get_response)()["status"] == 200
    finally:
        request_started.disconnect(started)
    assert len(threads) == 10 and len(set(threads)) == 1
