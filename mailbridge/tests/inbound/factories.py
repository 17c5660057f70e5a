"""Small factories for the inbound tests: a session's board, members, a post to answer."""

from __future__ import annotations

from forum import services
from forum.models import Board, Follow, FollowLevel, Post
from forum.tests.factories import make_registration, make_user
from mailbridge.tests.outbound.factories import make_board
from mailbridge.tokens import reply_address

HELENE = "Helene.Martin@exemple.coop"
PAUL = "paul.durand@exemple.org"
CLAIRE = "claire.bernard.coop@gmail.com"
MARC = "marc.lefebvre@reseau-exemple.org"
JACQUES = "jacques.dupre@wanadoo.example"


def session_board(slug: str = "session", *, private: bool = False) -> Board:
    return make_board(slug=slug, title="Coopératives et territoires", private=private)


def member(board: Board, email: str, *, name: str = "", level=FollowLevel.EMAIL, language="fr"):
    """A registered person with a verified `email`, following `board` at `level`."""
    person = make_user(email=email, display_name=name or email.split("@")[0])
    if language != "fr":
        person.profile.language = language
        person.profile.save(update_fields=["language"])
    make_registration(user=person, event=board.event, sessions=[])
    if level is not None:
        Follow.objects.create(user=person, board=board, level=level)
    return person


def outsider(email: str, *, name: str = ""):
    """Someone with an account (verified address) but no registration."""
    return make_user(email=email, display_name=name or email.split("@")[0])


def first_post(board: Board, author, *, title="Qui vient avec un témoignage ?") -> Post:
    thread = services.thread_create(
        board=board,
        author=author,
        title=title,
        body="Qui vient avec un témoignage d'une page pour mercredi ?\n\nPaul",
    )
    return thread.posts.get(number=1)


def reply_to(post: Post, person) -> str:
    """The reply address the list mail about `post` carried for `person`."""
    return reply_address(person.pk, post.pk)


def token_of(address: str) -> str:
    return address.split("@")[0].split("+", 1)[1]


class Scene:
    """A session's board, Paul's question in it, and Hélène, a member, who got it."""

    def __init__(self, slug: str = "session"):
        self.board = session_board(slug)
        self.paul = member(self.board, PAUL, name="Paul Durand")
        self.helene = member(self.board, HELENE, name="Hélène Martin")
        self.post = first_post(self.board, self.paul)
        self.thread = self.post.thread
        self.address = reply_to(self.post, self.helene)
        self.list_address = f"{self.board.slug}@lists.intercoop.test"

    def fixture(self, name: str, **more: str) -> bytes:
        from mailbridge.tests.inbound.support import fixture

        return fixture(name, TOKEN=token_of(self.address), POSTID=str(self.post.pk), **more)
