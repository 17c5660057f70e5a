"""Live connections checked again when who may read changes.

A connection's access is checked when it opens (realtime.streams). The forum says
when it may have changed (`access_changed`, forum.access_changes): a session made
private, a person's registration changed, their account deactivated, a sign-out.
This module turns the event into a "live.recheck" message to the groups that
gather the connections concerned (realtime.groups: per person, per session); each
connection, in every web process, then reads its reader again (from its session in
the store, as the handshake did) and resolves its stream again: what the reader may
no longer see is closed with 4404, as a new connection would be
(LiveConsumer.live_recheck).
"""

from __future__ import annotations

from importlib import import_module

from channels.auth import get_user
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from forum import events
from forum.access_changes import session_digest as digest_of
from realtime import bridge
from realtime.groups import person_access_group, session_access_group

RECHECK_MESSAGE = "live.recheck"


def on_access_changed(
    *, user_id: int | None = None, session_id: int | None = None, session_digest: str = "", **_
) -> None:
    message = {"type": RECHECK_MESSAGE, "session_digest": session_digest}
    groups = []
    if user_id:
        groups.append(person_access_group(user_id))
    if session_id:
        groups.append(session_access_group(session_id))
    bridge.group_send_many([(group, message) for group in groups])


async def reader_now(scope: dict, ended_digest: str = ""):
    """The reader of a connection as the site sees them now: the account of the
    browser's session read again from the store (gone after a sign-out, refused once
    deactivated), or anonymous."""
    key = getattr(scope.get("session"), "session_key", None)
    if not key or (ended_digest and ended_digest == digest_of(key)):
        return AnonymousUser()
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    return await get_user({"session": store})


def subscribe() -> None:
    events.subscribe("access_changed", on_access_changed)
