"""Who is at the other end of a live page's socket, read when first needed.

Channels' AuthMiddlewareStack opens the session and reads the user before the
consumer runs, each in a hop to the one thread Channels' sync code shares with every
connection of the process: a thousand readers joining at once queued there behind each
other (docs/benchmarks.md, "Live"). Here the session store is made in the event loop
(it reads nothing until used) and `scope["user"]` is a lazy object: the user is read,
session first, where the consumer first uses it, in its own hop to a thread (resolving
the page's stream: realtime.consumers). Reading it in the event loop is a bug, which
Django reports (SynchronousOnlyOperation).
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib import auth
from django.utils.functional import SimpleLazyObject


class LazySessionUser:
    """ASGI middleware after CookieMiddleware: `session` and a lazy `user` in the scope."""

    def __init__(self, application):
        self.application = application
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        session = self.session_store(scope["cookies"].get(settings.SESSION_COOKIE_NAME))
        # Django's own reading of the signed-in user from a request's session (its
        # backend, its session hash), given the socket's session.
        holder = SimpleNamespace(session=session)
        scope = dict(scope, session=session, user=SimpleLazyObject(lambda: auth.get_user(holder)))
        return await self.application(scope, receive, send)


def live_auth_stack(application):
    """The session cookie read, then the session and the user as above."""
    return CookieMiddleware(LazySessionUser(application))
