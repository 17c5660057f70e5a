"""Who may do what, decided on the server from the person's registration role."""

from __future__ import annotations

from dataclasses import dataclass

from forum.models import Board, Event, Registration, RegistrationStatus, Role, Session


def role_for(user, event: Event) -> str | None:
    """The active role of `user` at `event`, or None when not registered."""
    if not getattr(user, "is_authenticated", False):
        return None
    known = getattr(user, _KNOWN_ROLES, None)
    if known is not None and event.pk in known:
        return known[event.pk]
    return (
        Registration.objects.filter(user=user, event=event, status=RegistrationStatus.CONFIRMED)
        .values_list("role", flat=True)
        .first()
    )


_KNOWN_ROLES = "_intercoop_known_roles"


def remember_roles(user, roles: dict[int, str | None]) -> None:
    """Hand role_for the roles of `user` read beforehand, with other people's in one
    query (a worker's chunk of emailed replies): event id → role, None when not
    registered. Events missing from `roles` are asked as usual."""
    setattr(user, _KNOWN_ROLES, dict(roles))


def is_organiser(user, event: Event) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or role_for(user, event) == Role.ORGANISER


def is_facilitator(user, session: Session) -> bool:
    """Facilitators of this session and organisers of its event."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_organiser(user, session.event):
        return True
    return (
        role_for(user, session.event) == Role.FACILITATOR
        and session.facilitator_users.filter(pk=user.pk).exists()
    )


def can_see_session(user, session: Session) -> bool:
    if not session.is_private:
        return True
    return role_for(user, session.event) is not None or is_organiser(user, session.event)


def can_see_board(user, board) -> bool:
    """The general board is public; a session's board is as visible as its session."""
    return board.session is None or can_see_session(user, board.session)


def can_post(user, board) -> bool:
    """Registered participants (and organisers) write in the boards they can see."""
    if not getattr(user, "is_authenticated", False) or not can_see_board(user, board):
        return False
    return role_for(user, board.event) is not None or is_organiser(user, board.event)


def can_moderate(user, board) -> bool:
    """Organisers moderate every board; facilitators the board of their session."""
    if is_organiser(user, board.event):
        return True
    return board.session is not None and is_facilitator(user, board.session)


@dataclass(frozen=True)
class BoardRights:
    moderate: bool
    post: bool


def board_rights(user, board) -> BoardRights:
    """can_moderate and can_post at once, for a page that needs both (the thread page):
    the same answers, asking for the person's role once instead of four times."""
    session = board.session
    if session is not None and session.event_id != board.event_id:
        return BoardRights(moderate=can_moderate(user, board), post=can_post(user, board))
    if not getattr(user, "is_authenticated", False):
        return BoardRights(moderate=False, post=False)
    role = role_for(user, board.event)
    organiser = user.is_superuser or role == Role.ORGANISER
    sees = session is None or not session.is_private or role is not None or organiser
    return BoardRights(
        moderate=organiser
        or (
            session is not None
            and role == Role.FACILITATOR
            and session.facilitator_users.filter(pk=user.pk).exists()
        ),
        post=sees and (role is not None or organiser),
    )


def boards_moderated_by(user, event: Event):
    """The boards of `event` that `user` moderates, as can_moderate decides, in one
    query (a page listing move targets or filtering hidden posts asks once, not per board)."""
    boards = Board.objects.filter(event=event)
    if not getattr(user, "is_authenticated", False):
        return boards.none()
    role = role_for(user, event)
    if user.is_superuser or role == Role.ORGANISER:
        return boards
    if role != Role.FACILITATOR:
        return boards.none()
    return boards.filter(session__facilitator_users=user)


def can_build_questionnaire(user, session: Session) -> bool:
    """A session's questionnaire is built by its facilitators and the event's organisers."""
    return is_facilitator(user, session)


def can_answer_questionnaire(user, session: Session) -> bool:
    """Those whose confirmed registration includes the session answer its questionnaire."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Registration.objects.filter(
        user=user, event_id=session.event_id, status=RegistrationStatus.CONFIRMED, sessions=session
    ).exists()
