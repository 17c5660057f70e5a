"""Django's middleware, its hooks run in the event loop under ASGI.

Django runs an async request through a MiddlewareMixin by calling each of its hooks
(process_request, process_view, process_response) in a thread: with the ten of the
stack, a request went to a thread and back about fifteen times, most of what /healthz
cost (docs/benchmarks.md, "Web pages"). The classes here are Django's own middleware
whose hooks are called directly in the event loop when they cannot wait on anything
(they read headers and cookies, set lazy attributes, add headers), and still in a
thread when they may (saving a modified session, storing flash messages). The view
itself runs in a thread as before when it is a sync view.

Under WSGI (the test client) they are Django's middleware unchanged.

To add a middleware to the stack (settings.MIDDLEWARE) without adding thread hops: a
plain function or class marked `sync_capable = async_capable = True` that awaits
`get_response` in async mode (as forum.middleware.DomainRefusalMiddleware), or a
MiddlewareMixin subclass with `InlineHooks` first among its bases when its hooks do
no I/O.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware import clickjacking, common, csrf, locale, security

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


async def _call(hook, in_thread: bool, *args):
    if in_thread:
        return await sync_to_async(hook, thread_sensitive=True)(*args)
    return hook(*args)


class InlineHooks:
    """Before a MiddlewareMixin subclass in the bases: in async mode its hooks are
    called in the event loop, unless `request_in_thread` or `response_in_thread`
    says this call may wait on I/O."""

    def request_in_thread(self, request) -> bool:
        return False

    def response_in_thread(self, request, response) -> bool:
        return False

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = await _call(self.process_request, self.request_in_thread(request), request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = await _call(
                self.process_response,
                self.response_in_thread(request, response),
                request,
                response,
            )
        return response


class SecurityMiddleware(InlineHooks, security.SecurityMiddleware):
    pass


class SessionMiddleware(InlineHooks, sessions.SessionMiddleware):
    """The session is read lazily, by whatever uses it (in the view's thread); only a
    session to save sends the response's hook to a thread."""

    def response_in_thread(self, request, response) -> bool:
        session = getattr(request, "session", None)
        return session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST)


class LocaleMiddleware(InlineHooks, locale.LocaleMiddleware):
    pass


class CommonMiddleware(InlineHooks, common.CommonMiddleware):
    pass


class CsrfViewMiddleware(InlineHooks, csrf.CsrfViewMiddleware):
    """A safe method is let through in the event loop; a POST is checked in a thread,
    since a refusal renders the CSRF failure page (a view that may read the database)."""

    def __init__(self, get_response):
        super().__init__(get_response)
        if self.async_mode:
            # Django takes process_view from the instance, after __init__.
            self.process_view = self._process_view_async

    async def _process_view_async(self, request, callback, callback_args, callback_kwargs):
        in_thread = request.method not in SAFE_METHODS or settings.CSRF_USE_SESSIONS
        return await _call(
            super().process_view, in_thread, request, callback, callback_args, callback_kwargs
        )

    def request_in_thread(self, request) -> bool:
        return settings.CSRF_USE_SESSIONS

    def response_in_thread(self, request, response) -> bool:
        return settings.CSRF_USE_SESSIONS


class AuthenticationMiddleware(InlineHooks, auth.AuthenticationMiddleware):
    """request.user stays lazy: it is read where it is used, in the view's thread."""


class MessageMiddleware(InlineHooks, messages.MessageMiddleware):
    """Messages added or shown are stored (in a cookie, or in the session when they do
    not fit) in a thread; a request that did neither has nothing to store."""

    def response_in_thread(self, request, response) -> bool:
        storage = getattr(request, "_messages", None)
        return storage is not None and (storage.used or storage.added_new)


class XFrameOptionsMiddleware(InlineHooks, clickjacking.XFrameOptionsMiddleware):
    pass
