"""Files served through ASGI are read without holding up the event loop's thread.

WhiteNoise (the static files, the favicon) and the attachments' view answer with a
FileResponse, which streams a file through a synchronous iterator. Under ASGI, Django
then reads the whole file into memory in a worker thread before sending any of it,
and warns "StreamingHttpResponse must consume synchronous iterators" on every static
file. This middleware, outside WhiteNoise's, gives such a response an asynchronous
iterator when the request came through ASGI: each chunk is read in a thread, and sent
as soon as it is read. Under WSGI (the test client) the response is left as it is.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
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
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            isinstance(request, ASGIRequest)
            and getattr(response, "streaming", False)
            and not response.is_async
        ):
            # The response keeps its closers (the file is closed once sent).
            response.streaming_content = _read_in_threads(response.streaming_content)
        return response
