"""The forum's models: the event and its people (event.py), boards, threads and posts
(board.py), files attached to posts (attachment.py)."""

from forum.models.attachment import Attachment
from forum.models.board import (
    Board,
    Follow,
    FollowLevel,
    Post,
    PostRevision,
    PostSource,
    ReadMark,
    Thread,
)
from forum.models.event import (
    Event,
    MailDelivery,
    Network,
    Profile,
    Registration,
    RegistrationStatus,
    Role,
    SegmentKind,
    Session,
    SessionSegment,
    SessionState,
)

__all__ = [
    "Attachment",
    "Board",
    "Event",
    "Follow",
    "FollowLevel",
    "MailDelivery",
    "Network",
    "Post",
    "PostRevision",
    "PostSource",
    "Profile",
    "ReadMark",
    "Registration",
    "RegistrationStatus",
    "Role",
    "SegmentKind",
    "Session",
    "SessionSegment",
    "SessionState",
    "Thread",
]
