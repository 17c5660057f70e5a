"""Who is at the other end of a live page's socket, read when first needed.

Channels' AuthMiddlewareStack opens the session and reads the user before the
consumer runs, each in a hop to the one thread Channels' sync code shares with every
connection of the process: a thousand readers joining at once queued there behind each
other (docs/benchmarks.md, "Live"). Here the session store is made in the event loop
(it reads nothing until used) and `scope["user"]` is a lazy object: the user is read,
session first, where the consumer first uses it, in its own hop to a thread (resolving
the page's stream: realtime.consumers). Reading it in the event loop is a bug, which
Django reports (SynchronousOnlyOperation).

A browser without a session cookie has no session to read: its scope has no session
store (None) and an anonymous user, known without a read. The middleware keeps nothing
alive of its own for as long as the connection lasts (no coroutine, no closure): a
thousand connections' objects are walked by the process's full collections
(common/collector.py).
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.utils.functional import LazyObject


class SessionUser(LazyObject):
    """The account of `session`, read where first used: Django's own reading of the
    signed-in user from a request's session (its backend, its session hash)."""

    def __init__(self, session):
        super().__init__()
        self.__dict__["_session"] = session

    def _setup(self):
        self._wrapped = auth.get_user(SimpleNamespace(session=self.__dict__["_session"]))


def scope_cookies(scope) -> dict[str, str]:
    """The request's cookies, as Django's request.COOKIES (and Channels' CookieMiddleware)."""
    for name, value in scope["headers"]:
        if name == b"cookie":
            return parse_cookie(value.decode("latin1"))
    return {}


class LazySessionUser:
    """ASGI middleware: `cookies`, `session` and a lazy `user` in the scope."""

    def __init__(self, application):
        self.application = application
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, scope, receive, send):
        cookies = scope_cookies(scope)
        key = cookies.get(settings.SESSION_COOKIE_NAME)
        if key is None:
            session, user = None, AnonymousUser()
        else:
            session = self.session_store(key)
            user = SessionUser(session)
        scope = dict(scope, cookies=cookies, session=session, user=user)
        return self.application(scope, receive, send)


def live_auth_stack(application):
    """The session cookie read, then the session and the user as above."""
    return LazySessionUser(application)
