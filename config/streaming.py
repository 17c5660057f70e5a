"""Files served through ASGI are read without holding up the event loop's thread.

The attachments' view answers with a FileResponse, which streams a file through a
synchronous iterator. Under ASGI, Django then reads the whole file into memory in a
worker thread before sending any of it, and warns "StreamingHttpResponse must consume
synchronous iterators". This middleware gives such a response an asynchronous
iterator when the request came through ASGI: each chunk is read in a thread, and sent
as soon as it is read. Under WSGI (the test client) the response is left as it is.
The static files' middleware (servestatic) answers with an asynchronous iterator
already. Async-capable, so that the stack stays in the event loop (config/middleware.py).
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.core.handlers.asgi import ASGIRequest

_END = object()


async def _read_in_threads(iterator):
    chunks = iter(iterator)
    while True:
        chunk = await sync_to_async(next, thread_sensitive=False)(chunks, _END)
        if chunk is _END:
            return
        yield chunk


class AsyncFileStreamingMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self._acall(request)
        return _streamed(request, self.get_response(request))

    async def _acall(self, request):
        return _streamed(request, await self.get_response(request))


def _streamed(request, response):
    if (
        isinstance(request, ASGIRequest)
        and getattr(response, "streaming", False)
        and not response.is_async
    ):
        # The response keeps its closers (the file is closed once sent).
        response.streaming_content = _read_in_threads(response.streaming_content)
    return response
