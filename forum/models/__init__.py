"""The forum's models: the event and its people (event.py), networks (network.py),
boards, threads, posts and shared threads (board.py), files attached to posts
(attachment.py), guest authors of bridged lists (guest.py), a session's
questionnaire and its answers (questionnaire.py), its testimonies (testimony.py), the
shared library of tools and methods (library.py)."""

from forum.models.attachment import Attachment
from forum.models.avatar import Avatar
from forum.models.board import (
    Board,
    BoardKind,
    Follow,
    FollowLevel,
    Post,
    PostRevision,
    PostSource,
    ReadMark,
    Thread,
    ThreadShare,
)
from forum.models.event import (
    Event,
    MailDelivery,
    Profile,
    Registration,
    RegistrationStatus,
    Role,
    SegmentKind,
    Session,
    SessionSegment,
    SessionState,
)
from forum.models.guest import GuestAuthor
from forum.models.library import LibraryEntry, LibraryTag, Licence
from forum.models.network import Network, NetworkStatus, Theme, list_slug_conflict
from forum.models.questionnaire import (
    Anonymity,
    Answer,
    Choice,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireState,
    Respondent,
    RespondentStatus,
    Response,
)
from forum.models.testimony import (
    Consent,
    Testimony,
    TestimonyAuthorAccess,
    TestimonyCall,
    TestimonyStatus,
    TestimonyTheme,
    TestimonyWriter,
)

__all__ = [
    "Avatar",
    "Anonymity",
    "Answer",
    "Attachment",
    "Board",
    "BoardKind",
    "Choice",
    "Consent",
    "Event",
    "Follow",
    "GuestAuthor",
    "FollowLevel",
    "Licence",
    "LibraryEntry",
    "LibraryTag",
    "MailDelivery",
    "Network",
    "NetworkStatus",
    "Post",
    "PostRevision",
    "PostSource",
    "Profile",
    "Question",
    "QuestionKind",
    "Questionnaire",
    "QuestionnaireState",
    "ReadMark",
    "Registration",
    "RegistrationStatus",
    "Respondent",
    "RespondentStatus",
    "Response",
    "Role",
    "SegmentKind",
    "Session",
    "SessionSegment",
    "SessionState",
    "Theme",
    "Testimony",
    "TestimonyAuthorAccess",
    "TestimonyCall",
    "TestimonyStatus",
    "TestimonyTheme",
    "TestimonyWriter",
    "Thread",
    "ThreadShare",
    "list_slug_conflict",
]
