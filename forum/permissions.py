"""Who may do what, decided on the server from the person's registration role.

Reading and moderating follow the rules of forum.models.visibility, here for one
reader and one session, board or post; the querysets' `visible_to(user)` and
`who_can_see(board)` read the same rules as SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from common.compiled_queries import CompiledQuery
from forum.models import Board, Event, Registration, RegistrationStatus, Role, Session
from forum.models.visibility import MODERATE, POST, READ, READ_POST, holds, is_private


def role_for(user, event: Event) -> str | None:
    """The active role of `user` at `event`, or None when not registered."""
    return _role_at(user, event.pk)


def _role_at(user, event_id: int) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    known = getattr(user, _KNOWN_ROLES, None)
    if known is not None and event_id in known:
        return known[event_id]
    return (
        Registration.objects.filter(
            user=user, event_id=event_id, status=RegistrationStatus.CONFIRMED
        )
        .values_list("role", flat=True)
        .first()
    )


_KNOWN_ROLES = "_intercoop_known_roles"


def remember_roles(user, roles: dict[int, str | None]) -> None:
    """Hand role_for the roles of `user` read beforehand, with other people's in one
    query (a worker's chunk of emailed replies): event id → role, None when not
    registered. Events missing from `roles` are asked as usual."""
    setattr(user, _KNOWN_ROLES, dict(roles))


_UNKNOWN = object()


class _Facts:
    """The facts of forum.models.visibility about one reader and one place (a
    session, or a board, or a post through its board), as booleans. Each is asked
    only when a rule needs it, and the reader's role at the place's event once."""

    def __init__(self, user, *, board=None, session=None, post=None):
        if post is not None:
            board = post.thread.board
        self.board = board
        self.user = user
        self.signed_in = bool(getattr(user, "is_authenticated", False))
        self.post = post
        self.session = board.session if board is not None else session
        self.event_id = board.event_id if board is not None else session.event_id
        self._role = _UNKNOWN

    def __call__(self, name: str) -> bool:
        return getattr(self, f"_{name}")()

    def role(self) -> str | None:
        if self._role is _UNKNOWN:
            self._role = _role_at(self.user, self.event_id)
        return self._role

    def _open(self) -> bool:
        return not is_private(self.session)

    def _superuser(self) -> bool:
        return self.signed_in and self.user.is_superuser

    def _registered(self) -> bool:
        return self.role() is not None

    def _organiser(self) -> bool:
        return self.role() == Role.ORGANISER

    def _facilitates(self) -> bool:
        return (
            self.session is not None
            and self.role() == Role.FACILITATOR
            and self.session.facilitator_users.filter(pk=self.user.pk).exists()
        )

    def _refers(self) -> bool:
        return (
            self.signed_in
            and self.board is not None
            and self.board.network_id is not None
            and self.board.network.referents.filter(pk=self.user.pk).exists()
        )

    def _settled(self) -> bool:
        until = self.board.import_until if self.board is not None else None
        return until is None or until <= timezone.now()

    def _shown(self) -> bool:
        return not self.post.is_hidden


def is_organiser(user, event: Event) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or role_for(user, event) == Role.ORGANISER


def is_facilitator(user, session: Session) -> bool:
    """Facilitators of this session and organisers of its event."""
    return holds(MODERATE, _Facts(user, session=session))


def can_see_session(user, session: Session) -> bool:
    return holds(READ, _Facts(user, session=session))


def can_see_board(user, board) -> bool:
    """The general board is public; a session's board is as visible as its session."""
    return holds(READ, _Facts(user, board=board))


def can_read_post(user, post) -> bool:
    """Whether `user` may read `post`'s text (post loaded with thread__board__session):
    where they may read its board, and a hidden post only where they moderate."""
    return holds(READ_POST, _Facts(user, post=post))


def can_post(user, board) -> bool:
    """Registered participants (and organisers) write in the boards they can see."""
    return holds(POST, _Facts(user, board=board))


def can_moderate(user, board) -> bool:
    """Organisers moderate every board; facilitators the board of their session."""
    return holds(MODERATE, _Facts(user, board=board))


@dataclass(frozen=True)
class BoardRights:
    moderate: bool
    post: bool


def board_rights(user, board) -> BoardRights:
    """can_moderate and can_post at once, for a page that needs both (the thread page):
    the same answers, asking for the person's role once instead of four times."""
    facts = _Facts(user, board=board)
    return BoardRights(moderate=holds(MODERATE, facts), post=holds(POST, facts))


def boards_moderated_by(user, event: Event):
    """The boards of `event` that `user` moderates, as can_moderate decides, in one
    query (a page listing move targets or filtering hidden posts asks once, not per board)."""
    return Board.objects.filter(event=event).moderated_by(user)


def can_build_questionnaire(user, session: Session) -> bool:
    """A session's questionnaire is built by its facilitators and the event's organisers."""
    return is_facilitator(user, session)


def can_see_synthesis(user, questionnaire, *, builder: bool | None = None) -> bool:
    """The synthesis of a questionnaire is its builders'; its participants' too once
    the builders share it (`synthesis_shared`). `builder`: can_build_questionnaire's
    answer for its session, when the caller has it."""
    session = questionnaire.session
    if builder is None:
        builder = can_build_questionnaire(user, session)
    if builder:
        return True
    return questionnaire.synthesis_shared and can_answer_questionnaire(user, session)


def _answering_registrations(session: Session):
    return Registration.objects.filter(
        event_id=session.event_id, status=RegistrationStatus.CONFIRMED, sessions=session
    )


def can_answer_questionnaire(user, session: Session) -> bool:
    """Those whose confirmed registration includes the session answer its questionnaire."""
    if not getattr(user, "is_authenticated", False):
        return False
    values = {"event_id": session.event_id, "session_id": session.pk, "user_id": user.pk}
    return bool(_ANSWERING.rows(**values))


# Asked at every answer: made once per process (common/compiled_queries.py).
_ANSWERING = CompiledQuery(
    lambda shape, *, event_id, session_id, user_id: (
        _answering_registrations(Session(pk=session_id, event_id=event_id))
        .filter(user_id=user_id)
        .values_list("pk")[:1]
    )
)


def may_answer_questionnaire(session: Session) -> Exists:
    """can_answer_questionnaire's rule as an expression on a query of people (to read
    a person and whether they may answer in one query)."""
    return Exists(_answering_registrations(session).filter(user=OuterRef("pk")))


def is_referent(user, network) -> bool:
    if not getattr(user, "is_authenticated", False) or network is None:
        return False
    return network.referents.filter(pk=user.pk).exists()


def is_any_organiser(user) -> bool:
    """Organisers of some event (or superusers): they approve networks, which belong
    to no one event."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        user.is_superuser
        or Registration.objects.filter(
            user=user, role=Role.ORGANISER, status=RegistrationStatus.CONFIRMED
        ).exists()
    )


def can_approve_network(user) -> bool:
    return is_any_organiser(user)


def can_edit_network(user, network) -> bool:
    """A network's page is edited by its référents, and by organisers."""
    return is_referent(user, network) or is_any_organiser(user)


def can_edit_bridge(user, network) -> bool:
    """The bridge to a network's own list (mailbridge) is registered and watched by
    the people who edit its page."""
    return can_edit_network(user, network)


def can_take_bridged(board) -> bool:
    """A post that came through a bridge to a network's own list is written by the
    list's author, account or guest: the bridge, registered by a référent, vouches
    for it, in the network's board only."""
    return board.network_id is not None


def can_share_thread(user, thread, board) -> bool:
    """A thread is shared into `board` by its author, a référent of its home board's
    network or of `board`'s, or a moderator of its home board, when they may read
    both boards."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not (can_see_board(user, thread.board) and can_see_board(user, board)):
        return False
    return (
        thread.author_id == user.pk
        or is_referent(user, board.network if board.network_id else None)
        or can_moderate(user, thread.board)
    )


def can_propose_library_entry(user, board) -> bool:
    """The library is written in by those who may write in its board (the members of
    the event, as in every board): each entry opens a thread there."""
    return getattr(user, "is_authenticated", False) and can_post(user, board)


def can_moderate_library_entry(user, entry) -> bool:
    """An entry is edited and hidden by the moderators of the library's board (the
    event's organisers) and by the référents of a network that uses it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    board = entry.thread.board if entry.thread_id else None
    if board is not None and can_moderate(user, board):
        return True
    if board is None and is_any_organiser(user):
        return True
    return entry.networks.filter(referents=user).exists()


def can_edit_library_entry(user, entry) -> bool:
    """Who proposed it, and those who moderate it."""
    if not getattr(user, "is_authenticated", False):
        return False
    return entry.proposed_by_id == user.pk or can_moderate_library_entry(user, entry)
