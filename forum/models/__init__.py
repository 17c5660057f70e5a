"""The forum's models: the event and its people (event.py), boards, threads and posts
(board.py), files attached to posts (attachment.py), a session's questionnaire and its
answers (questionnaire.py)."""

from forum.models.attachment import Attachment
from forum.models.avatar import Avatar
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

__all__ = [
    "Avatar",
    "Anonymity",
    "Answer",
    "Attachment",
    "Board",
    "Choice",
    "Event",
    "Follow",
    "FollowLevel",
    "MailDelivery",
    "Network",
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
    "Thread",
]
