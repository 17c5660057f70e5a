"""Page-cache hits served in the event loop, without the thread of a sync view.

Under ASGI Django runs a sync view in a thread, and a page served from the page cache
(forum/page_cache.py) paid that trip for work that waits on nothing when the cache is
the process's own memory: reading tokens and the page from a dict, the reader's
session and account from the same cache, filling in a CSRF token
(docs/benchmarks.md, "Costs behind the code"). `in_event_loop` makes a page view
asynchronous: when the cache is in the process, it first tries to serve a hit where it
is, and anything else (a miss, a page not served from the cache, a hit that would need
the database) goes to the sync view in a thread as before.

A hit that would read the database (a session or account that left the cache) is
stopped by Django before any query (SynchronousOnlyOperation), since the loop is no
place for a blocking call; the session store and the lazy user, which that attempt may
have half-used, are made again as the middleware made them, and the request goes to
the thread. With Redis as the cache every lookup is a network round trip, which would
block the loop: there, the sync view does it all in its thread, as before.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from functools import partial
from importlib import import_module

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.middleware import auser, get_user
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import SynchronousOnlyOperation
from django.http import HttpResponse
from django.utils.functional import SimpleLazyObject

logger = logging.getLogger(__name__)


@functools.cache
def cache_in_process() -> bool:
    """Whether the default cache is this process's memory (no I/O to read it)."""
    return isinstance(caches["default"], LocMemCache)


def in_event_loop(
    sync_view: Callable[..., HttpResponse],
    hit: Callable[..., HttpResponse | None],
) -> Callable:
    """An async view: `hit(request, kwargs)` (the cached page, or None) in the event
    loop when the cache is in the process, else `sync_view` in a thread."""
    in_thread = sync_to_async(sync_view, thread_sensitive=True)

    @functools.wraps(sync_view)
    async def view(request, *args, **kwargs):
        if cache_in_process():
            try:
                response = hit(request, kwargs)
            except SynchronousOnlyOperation:
                # the database was needed: the sync view does it all in its thread,
                # from a fresh session and user
                _fresh_session_and_user(request)
            except Exception:
                # not expected here: said, then left to the sync view, which deals
                # with it as it always did
                logger.warning("page cache hit failed in the event loop", exc_info=True)
                _fresh_session_and_user(request)
            else:
                if response is not None:
                    return response
        return await in_thread(request, *args, **kwargs)

    return view


def _fresh_session_and_user(request) -> None:
    """The request's session store and lazy user, new, as the middleware makes them."""
    if hasattr(request, "session"):
        engine = import_module(settings.SESSION_ENGINE)
        request.session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    if hasattr(request, "user"):
        request.__dict__.pop("_cached_user", None)
        request.user = SimpleLazyObject(lambda: get_user(request))
        request.auser = partial(auser, request)
