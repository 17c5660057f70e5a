"""Why a live connection is refused or closed, each with its websocket close code.

RFC 6455 §7.4.2 leaves codes 4000–4999 to applications; ours mirror the HTTP status
a page would answer (4403 like 403, 4404 like 404...), so that they read at a glance
in a browser's console. live.js reconnects after 4408 and 4429, never after the
others (the same request would be refused again).
"""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    BAD_REQUEST = 4400  # a frame that is not one of the known messages
    FORBIDDEN = 4403  # not sent for a stream: what the reader may not see gets 4404
    NOT_FOUND = 4404  # no such thread, board or session, or one the reader may not see
    IDLE = 4408  # no heartbeat for longer than the idle timeout
    TOO_MANY = 4429  # more messages than the rate limit allows


class LiveError(Exception):
    """A live connection that must be closed; `code` says why."""

    code: CloseCode = CloseCode.BAD_REQUEST


class StreamNotFound(LiveError):
    code = CloseCode.NOT_FOUND


class StreamForbidden(LiveError):
    code = CloseCode.FORBIDDEN
