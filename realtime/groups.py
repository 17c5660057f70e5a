"""Names of the Channels groups a live page joins: one per thread, board and session,
and those that say when to check its access again (per person and per session).

Channels accepts group names of ASCII letters, digits, hyphens, underscores and
periods, shorter than 100 characters; ids (never slugs, which may one day allow
Unicode) keep every name well within that. The same name keys the catch-up store
(realtime.models.LiveEvent.group).
"""

from __future__ import annotations

import re

GROUP_NAME = re.compile(r"^[a-zA-Z0-9._-]{1,99}$")


def _name(kind: str, pk) -> str:
    number = int(pk)
    if number <= 0:
        raise ValueError(f"a {kind} id is a positive integer, not {pk!r}")
    return f"live.{kind}.{number}"


def thread_group(thread_id: int) -> str:
    """Everyone reading the thread page."""
    return _name("thread", thread_id)


def board_group(board_id: int) -> str:
    """Everyone reading the board's list of threads."""
    return _name("board", board_id)


def session_group(session_id: int) -> str:
    """Everyone following the session's live page."""
    return _name("session", session_id)


def person_access_group(user_id: int) -> str:
    """A person's live connections, checked again when what they may read changes."""
    return _name("access-person", user_id)


def session_access_group(session_id: int) -> str:
    """Every live connection to a session's places (its live page, board and threads),
    checked again when the session is made private or public."""
    return _name("access-session", session_id)


def synthesis_group(session_id: int) -> str:
    """Everyone reading the synthesis of the session's questionnaire."""
    return _name("synthesis", session_id)


def group_pk(group: str) -> int:
    """The id a group name carries ("live.session.3" → 3)."""
    return int(group.rsplit(".", 1)[1])
