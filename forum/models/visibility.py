"""Who may read and who may moderate what: each rule written once, as data, and
read three ways.

The rules (READ, MODERATE, READ_POST, POST) name facts about a reader and a place
(a session, or a board, thread or post through its board). `holds(rule, facts)` is
the one evaluator; what a fact means depends on who asks:

- one reader and one place (forum.permissions: can_see_board, can_moderate…):
  Python booleans, asked in the rule's order and only until the rule is decided,
  so that an open board asks the database nothing;
- one reader and many rows (`Board/Thread/Post/Session.objects.visible_to(user)`):
  a `Q` over those rows (`RowFacts`);
- one place and many people (`who_can_see(board)`, the mail recipients): a `Q`
  over accounts (`readers_of`).

Facts: `settled` — no archive is being imported into the place's board
(`Board.import_until`, a lease: forum.services.archive); `open` — the place is the
event's general board or belongs to a session that is not private; `superuser`;
`registered` — the reader holds a confirmed registration to the place's event,
whatever their role; `organiser` — with the
organiser role; `facilitates` — with the facilitator role, and named among the
session's facilitators; `refers` — a référent of the network whose board it is;
`shown` — the post is not hidden by moderation.

A thread shared into other boards (forum.models.ThreadShare) is read by these rules
applied to its home board, wherever it is shown.

`visible()` is the other half: what moderation left shown, whoever reads (a post
not hidden, a thread with at least one such post). Feeds, the API and mail give
only that, even to moderators; pages show hidden posts in place, their text to
moderators only (forum.selectors.posts_page).
"""

from __future__ import annotations

import operator
from functools import reduce

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Now


class AnyOf(tuple):
    """A rule that holds when one of its terms (facts or rules) holds."""

    def __new__(cls, *terms):
        return super().__new__(cls, terms)


class AllOf(tuple):
    """A rule that holds when all of its terms hold."""

    def __new__(cls, *terms):
        return super().__new__(cls, terms)


# Organisers moderate every board of their event; a facilitator the board of a session
# they facilitate (and that session's live page: forum.permissions.is_facilitator); a
# network's référents its board.
MODERATE = AnyOf("superuser", "organiser", "facilitates", "refers")
# Anyone reads an open place; a private session (its page, board, threads and posts) is
# read by superusers and by the people registered to its event. A board an archive is
# being imported into is read by its moderators only, until the import ends.
READ = AllOf(AnyOf("open", "superuser", "registered"), AnyOf("settled", MODERATE))
# A post is read where its board is; a hidden one (its text) by its moderators only.
READ_POST = AllOf(READ, AnyOf("shown", MODERATE))
# Registered people (and superusers) write in the boards they may read.
POST = AllOf(READ, AnyOf("superuser", "registered"))


def holds(rule, facts):
    """`rule` with each fact answered by `facts(name)`: True, False, or (facts that
    are conditions on rows) the condition left, the known facts folded away."""
    if isinstance(rule, str):
        return facts(rule)
    decisive = isinstance(rule, AnyOf)  # True decides "any of", False decides "all of"
    left = []
    for term in rule:
        value = holds(term, facts)
        if value is decisive:
            return decisive
        if value is not (not decisive):
            left.append(value)
    if not left:
        return not decisive
    return reduce(operator.or_ if decisive else operator.and_, left)


def _at(path: str, lookup: str) -> str:
    return f"{path}__{lookup}" if path else lookup


def _not_hidden(path: str = "") -> Q:
    return Q(**{_at(path, "is_hidden"): False})


def _where(queryset: QuerySet, condition) -> QuerySet:
    if condition is True:
        return queryset
    if condition is False:
        return queryset.none()
    return queryset.filter(condition)


def _as_q(condition) -> Q:
    """A folded rule as a Q to put in a larger query: Q() for everyone, a Q that
    matches nothing for no one."""
    if condition is True:
        return Q()
    if condition is False:
        return Q(pk__in=[])
    return condition


def _people():
    """forum.models.event, asked for when a query is built: it imports this module
    first, for the sessions' manager."""
    from forum.models import event

    return event


def _registrations(**filters) -> QuerySet:
    people = _people()
    return people.Registration.objects.filter(status=people.RegistrationStatus.CONFIRMED, **filters)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


class RowFacts:
    """The facts about one reader, as conditions on rows that reach the place (a
    board or a session: it holds the event) at `place`, its session at `session`
    ("" for a Session itself) and, for posts, the post at `post`."""

    def __init__(self, user, *, place: str, session: str, post: str | None = None):
        self.user = user
        self.signed_in = _signed_in(user)
        self.place = place
        self.session = session
        self.post = post

    def __call__(self, name: str):
        return getattr(self, f"_{name}")()

    def _open(self):
        if not self.session:
            return Q(is_private=False)
        return Q(**{_at(self.session, "isnull"): True}) | Q(
            **{_at(self.session, "is_private"): False}
        )

    def _superuser(self):
        return self.signed_in and self.user.is_superuser

    def _events(self, **role):
        events = _registrations(user=self.user, **role).values("event")
        return Q(**{_at(self.place, "event__in"): events})

    def _registered(self):
        return self.signed_in and self._events()

    def _organiser(self):
        return self.signed_in and self._events(role=_people().Role.ORGANISER)

    def _facilitates(self):
        if not self.signed_in:
            return False
        people = _people()
        facilitated = people.Session.facilitator_users.through.objects.filter(user=self.user)
        mine = Q(**{_at(self.session or "pk", "in"): facilitated.values("session")})
        return mine & self._events(role=people.Role.FACILITATOR)

    def _refers(self):
        if not self.signed_in or not self.session:
            return False  # a Session row has no network
        from forum.models.network import Network

        mine = Network.referents.through.objects.filter(user=self.user).values("network")
        return Q(**{_at(self.place, "network__in"): mine})

    def _settled(self):
        if not self.session:
            return True  # a Session row: no archive is imported into a session
        return Q(**{_at(self.place, "import_until__isnull"): True}) | Q(
            **{_at(self.place, "import_until__lt"): Now()}
        )

    def _shown(self):
        return _not_hidden(self.post)


def readers_of(*, private: bool, event_id=None, path: str = "") -> Q:
    """READ as a condition on accounts (or on rows reaching one at `path`): who may
    read a place whose session is `private` (False for the general board), of the
    event `event_id`. Made of these values rather than of a board, so that a query
    made once per process can put a parameter in the event's place
    (mailbridge.outbound.recipients)."""

    def facts(name: str):
        if name == "settled":
            return True  # mail is never sent by an import; a live post goes to its readers
        if name == "open":
            return not private
        if name == "superuser":
            return Q(**{_at(path, "is_superuser"): True})
        if name == "registered":
            registered = _registrations(user=OuterRef(path or "pk"), event_id=event_id)
            return Q(Exists(registered))
        raise LookupError(f"{name!r} is not asked of a board's readers")

    return _as_q(holds(READ, facts))


def is_private(session) -> bool:
    """Whether a place in `session` (None: the general board) is not open."""
    return session is not None and session.is_private


def board_audience(board) -> dict:
    """What readers_of needs to know of `board` (loaded with its session)."""
    private = is_private(board.session)
    return {"private": private, "event_id": board.event_id if private else None}


def who_can_see(board) -> QuerySet:
    """The accounts that may read `board` (loaded with its session)."""
    return get_user_model().objects.filter(readers_of(**board_audience(board)))


class SessionQuerySet(QuerySet):
    def visible_to(self, user) -> QuerySet:
        """The sessions whose pages `user` may read."""
        return _where(self, holds(READ, RowFacts(user, place="", session="")))


class BoardQuerySet(QuerySet):
    def visible_to(self, user) -> QuerySet:
        """The boards `user` may read."""
        return _where(self, holds(READ, RowFacts(user, place="", session="session")))

    def moderated_by(self, user) -> QuerySet:
        """The boards `user` moderates."""
        return _where(self, holds(MODERATE, RowFacts(user, place="", session="session")))


class ThreadQuerySet(QuerySet):
    def visible(self) -> QuerySet:
        """Threads with at least one post not hidden: one whose every post is hidden
        is gone from the feeds, the API and mail."""
        posts = self.model._meta.get_field("posts").related_model.objects.visible()
        return self.filter(Exists(posts.filter(thread=OuterRef("pk"))))

    def visible_to(self, user) -> QuerySet:
        """The threads of the boards `user` may read (a thread whose every post is
        hidden keeps its place on its board, as a hidden post in its thread)."""
        return _where(self, holds(READ, RowFacts(user, place="board", session="board__session")))

    def with_visible_posts(self) -> QuerySet:
        """visible() with what the visible posts make of each thread:
        `visible_post_count`, `visible_first_post_at`, `visible_last_post_at`."""
        shown = _not_hidden("posts")
        return self.annotate(
            visible_post_count=Count("posts", filter=shown),
            visible_first_post_at=Min("posts__created_at", filter=shown),
            visible_last_post_at=Max("posts__created_at", filter=shown),
        ).filter(visible_post_count__gt=0)


class PostQuerySet(QuerySet):
    def visible(self) -> QuerySet:
        """Posts not hidden by moderation."""
        return self.filter(_not_hidden())

    def visible_to(self, user) -> QuerySet:
        """The posts `user` may read: in the boards they may read, the hidden ones
        only where they moderate."""
        facts = RowFacts(user, place="thread__board", session="thread__board__session", post="")
        return _where(self, holds(READ_POST, facts))
