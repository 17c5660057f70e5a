"""What a live connection follows, decided through the forum's selectors and permissions.

A stream is the group a connection joins, resolved from the URL and checked against
the reader exactly as the page is: a private session's thread, board and live page
are only for those who may read them (forum.permissions). It is resolved again, with
the reader as they are now, whenever the forum says access changed (realtime.access).
"""

from __future__ import annotations

from dataclasses import dataclass

from forum import selectors
from forum.permissions import can_see_board, can_see_session, can_see_synthesis
from forum.selectors.questionnaires import questionnaire_for_session
from realtime.errors import StreamForbidden, StreamNotFound
from realtime.groups import (
    board_group,
    person_access_group,
    session_access_group,
    session_group,
    synthesis_group,
    thread_group,
)

PK_MAX = 2**63 - 1


@dataclass(frozen=True)
class Stream:
    group: str
    session_id: int | None = None  # set for a session's live page (presence)
    # Where the connection hears that its access must be checked again
    # (realtime.access): none for the event's general board, always open.
    access_groups: tuple[str, ...] = ()


def _access_groups(user, session_id: int | None) -> tuple[str, ...]:
    if session_id is None:
        return ()
    groups = [session_access_group(session_id)]
    if user is not None and user.is_authenticated:
        groups.append(person_access_group(user.pk))
    return tuple(groups)


def thread_stream(*, user, thread_id: int) -> Stream:
    thread = selectors.thread_for_stream(pk=thread_id) if 0 < thread_id <= PK_MAX else None
    if thread is None:
        raise StreamNotFound()
    if not can_see_board(user, thread.board):
        raise StreamForbidden()
    return Stream(
        group=thread_group(thread.pk),
        access_groups=_access_groups(user, thread.board.session_id),
    )


def board_stream(*, user, slug: str) -> Stream:
    board = selectors.board_by_slug(slug=slug)
    if board is None:
        raise StreamNotFound()
    if not can_see_board(user, board):
        raise StreamForbidden()
    return Stream(group=board_group(board.pk), access_groups=_access_groups(user, board.session_id))


def session_stream(*, user, slug: str) -> Stream:
    session = selectors.session_by_slug(slug=slug)
    if session is None:
        raise StreamNotFound()
    if not can_see_session(user, session):
        raise StreamForbidden()
    return Stream(
        group=session_group(session.pk),
        session_id=session.pk,
        access_groups=_access_groups(user, session.pk),
    )


def synthesis_stream(*, user, slug: str) -> Stream:
    session = selectors.session_by_slug(slug=slug)
    questionnaire = questionnaire_for_session(session=session) if session else None
    if questionnaire is None:
        raise StreamNotFound()
    if not (can_see_session(user, session) and can_see_synthesis(user, questionnaire)):
        raise StreamForbidden()
    return Stream(
        group=synthesis_group(session.pk),
        access_groups=_access_groups(user, session.pk),
    )
