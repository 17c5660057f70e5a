"""Each HTTP request's sync code on a thread kept from one request to the next.

Django runs a request's sync code (sync middleware, views, templates, the ORM) on a
thread of its own, to keep thread-local state (database connections) to one request.
Left to itself, asgiref makes that thread for the request and, at its end, one more
to wait for the first to stop: two threads started per request. Here the web process
keeps the request threads it made, idle between requests, and hands one to each
request: still one request at a time on a thread, each request's sync code on one
thread, and a database connection given back at the request's end as before
(config/env.py, web_databases: the request_finished signal runs on the same thread).

A client that goes away while a view runs ends its request normally: Django waits
for the view, then sends request_finished on the same thread, and the thread is used
again. Only a request ended by an exception or by the cancelling of the whole ASGI call
(the server stopping) has its thread dropped, its last call possibly still running.
Websockets are left to Channels.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext

# Idle threads kept beyond this are stopped (a burst of concurrent requests is over).
KEPT_IDLE = 32


class RequestThreads:
    def __init__(self, application):
        self.application = application
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        executor = self._idle.pop() if self._idle else self._new()
        ended = False
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.application(scope, receive, send)
            ended = True
        finally:
            if ended and len(self._idle) < KEPT_IDLE:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    @staticmethod
    def _new() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
