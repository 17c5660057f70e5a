"""One private board, every place a reader can read it from.

The board of a private session holds a thread with a post shown and a post hidden
by its facilitator, each with a file. Five readers come: an anonymous visitor, a
signed-in stranger, a former member (registration cancelled), a member and the
session's facilitator (a moderator). Each surface is asked by each of them, and
what they get is compared with one table: the pages and the search show the shown
post to members and both to the facilitator; feeds, the API and mail carry the
shown post only, whoever reads; everyone else gets a 404, a socket closed with
4404, no result and no mail, as if the board did not exist.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.utils import timezone

from forum import services
from forum.models import (
    Attachment,
    Follow,
    FollowLevel,
    Post,
    Registration,
    RegistrationStatus,
)
from forum.tests.board_factories import (
    board_for,
    make_facilitator,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_user
from mailbridge.digests import board_digest_rows
from mailbridge.models import Delivery, DeliveryKind, InboundMessage, InboundStatus
from mailbridge.outbound.recipients import post_recipients
from mailbridge.recaps import recap_write
from realtime.tests.live import TIMEOUT, communicator, cookie_for

pytestmark = pytest.mark.django_db

SHOWN = "Le compte rendu du conseil est confidentiel"
HIDDEN = "Les chiffres du budget sont confidentiels"
# What tells the two posts apart in a page (the search marks the words it found).
MARKS = {"shown": "compte rendu du conseil", "hidden": "chiffres du budget"}
TITLE = "Conseil restreint de la coopérative"
SESSION_TITLE = "Atelier réservé aux inscrits"

READERS = ["anonymous", "stranger", "former", "member", "facilitator"]
ACCOUNTS = READERS[1:]  # mail goes to accounts

NOT_FOUND = 404
NOTHING: frozenset = frozenset()
# What a page or a search shows of the thread: the hidden post's text to moderators only.
READ = {
    "anonymous": NOTHING,
    "stranger": NOTHING,
    "former": NOTHING,
    "member": {"shown"},
    "facilitator": {"shown", "hidden"},
}
# What leaves the site (feeds, API, mail): never a hidden post, even for moderators.
PUBLISHED = {**READ, "facilitator": {"shown"}}
# The same answers where the refusal is a 404 rather than an empty list.
READ_OR_404 = {reader: NOT_FOUND if not got else got for reader, got in READ.items()}
PUBLISHED_OR_404 = {reader: NOT_FOUND if not got else got for reader, got in PUBLISHED.items()}
# Whether the board, its session or a file of the shown post is there for the reader.
SEES = {reader: bool(got) for reader, got in READ.items()}
SEES_OR_404 = {reader: 200 if sees else NOT_FOUND for reader, sees in SEES.items()}


class Scene:
    def __init__(self, sessions, event, files):
        self.session = make_private(sessions[3])
        self.session.title = SESSION_TITLE
        self.session.save(update_fields=["title"])
        self.board = board_for(self.session)
        self.board.title = SESSION_TITLE
        self.board.save(update_fields=["title"])
        self.author = make_participant(event, display_name="Autrice Inscrite")
        former = make_participant(event, display_name="Ancienne Inscrite")
        Registration.objects.filter(user=former).update(status=RegistrationStatus.CANCELLED)
        self.people = {
            "anonymous": None,
            "stranger": make_user(display_name="Curieux Inconnu"),
            "former": former,
            "member": make_participant(event, display_name="Membre Inscrite"),
            "facilitator": make_facilitator(self.session, display_name="Animatrice"),
        }
        # Follows made while the board was open to them, or written by hand: only the
        # rule decides who gets mail.
        for person in self.people.values():
            if person is not None:
                Follow.objects.create(user=person, board=self.board, level=FollowLevel.EMAIL)
        self.thread = make_thread(self.board, author=self.author, title=TITLE, body=SHOWN)
        self.shown = self.thread.posts.get(number=1)
        self.hidden = reply(self.thread, author=self.author, body=HIDDEN)
        services.post_hide(
            post=self.hidden, moderator=self.people["facilitator"], reason="Trop tôt"
        )
        self.files = {"shown": files(self.shown), "hidden": files(self.hidden)}
        for post in (self.shown, self.hidden):
            InboundMessage.objects.create(
                raw=b"", received_at=timezone.now(), status=InboundStatus.POSTED, post=post,
                original_text=post.body_text,
            )  # fmt: skip

    def client(self, reader: str) -> Client:
        client = Client()
        if self.people[reader] is not None:
            client.force_login(self.people[reader])
        return client


@pytest.fixture
def files(settings, tmp_path):
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path

    def attach(post):
        path = f"{post.pk}.png"
        (tmp_path / path).write_bytes(b"\x89PNG\r\n\x1a\n")
        return Attachment.objects.create(
            post=post, filename="tableau.png", content_type="image/png", size=8, path=path,
            is_inline_safe=True,
        )  # fmt: skip

    return attach


@pytest.fixture
def scene(sessions, event, files):
    return Scene(sessions, event, files)


def texts(content: str) -> set[str]:
    """Which of the two posts a page, feed or answer shows the text of."""
    return {name for name, mark in MARKS.items() if mark in content}


def page(scene: Scene, reader: str, url: str):
    response = scene.client(reader).get(url)
    if response.status_code == NOT_FOUND:
        return NOT_FOUND
    assert response.status_code == 200, (url, response.status_code)
    return texts(response.content.decode())


def status(scene: Scene, reader: str, url: str) -> int:
    return scene.client(reader).get(url).status_code


def shows(scene: Scene, reader: str, url: str, text: str) -> bool:
    response = scene.client(reader).get(url)
    assert response.status_code == 200, url
    return text in response.content.decode()


# The pages and what they show.

PAGES = {
    "thread page": (lambda s: s.thread.get_absolute_url(), READ_OR_404),
    "thread page at the hidden post": (lambda s: s.hidden.get_absolute_url(), READ_OR_404),
    "thread feed": (lambda s: f"/fils/{s.thread.pk}/atom/", PUBLISHED_OR_404),
    "board feed": (lambda s: f"/forums/{s.board.slug}/atom/", PUBLISHED_OR_404),
    "API thread": (lambda s: f"/api/threads/{s.thread.pk}/", PUBLISHED_OR_404),
    "whole mail of the shown post": (lambda s: f"/messages/{s.shown.pk}/original/", None),
    "whole mail of the hidden post": (lambda s: f"/messages/{s.hidden.pk}/original/", None),
}
MAIL_ORIGINALS = {
    "whole mail of the shown post": {r: {"shown"} if SEES[r] else NOT_FOUND for r in READERS},
    "whole mail of the hidden post": {
        r: {"hidden"} if r == "facilitator" else NOT_FOUND for r in READERS
    },
}


@pytest.mark.parametrize("surface", PAGES)
def test_what_each_reader_reads_of_the_thread(scene, surface):
    url, expected = PAGES[surface]
    expected = expected or MAIL_ORIGINALS[surface]
    assert {reader: page(scene, reader, url(scene)) for reader in READERS} == expected


@pytest.mark.parametrize(
    "url",
    [lambda s: "/recherche/?q=confidentiels", lambda s: f"/personnes/{s.author.pk}/"],
    ids=["search", "profile of the author"],
)
def test_what_each_reader_finds_of_the_thread(scene, url):
    assert {reader: page(scene, reader, url(scene)) for reader in READERS} == READ


@pytest.mark.parametrize(
    "url",
    [
        lambda s: s.board.get_absolute_url(),
        lambda s: s.session.get_absolute_url(),
        lambda s: f"/sessions/{s.session.slug}/live/",
        lambda s: f"/sessions/{s.session.slug}.ics",
        lambda s: f"/api/sessions/{s.session.slug}/threads/",
        lambda s: s.files["shown"].get_absolute_url(),
    ],
    ids=["board page", "session page", "live page", "session .ics", "API threads", "file"],
)
def test_the_boards_pages_and_files_exist_only_for_who_may_see_it(scene, url):
    assert {reader: status(scene, reader, url(scene)) for reader in READERS} == SEES_OR_404


def test_a_hidden_posts_file_is_for_its_moderators_only(scene):
    url = scene.files["hidden"].get_absolute_url()
    expected = {reader: 200 if reader == "facilitator" else NOT_FOUND for reader in READERS}
    assert {reader: status(scene, reader, url) for reader in READERS} == expected


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/", lambda s: SESSION_TITLE),
        ("/programme/", lambda s: SESSION_TITLE),
        ("/programme.ics", lambda s: f"UID:session-{s.session.slug}@"),
        ("/forums/", lambda s: SESSION_TITLE),
        ("/api/sessions/", lambda s: json.dumps(s.session.slug)),
        ("/abonnements/", lambda s: SESSION_TITLE),
    ],
    ids=["home", "programme", "event .ics", "boards", "API sessions", "subscriptions"],
)
def test_the_lists_name_the_session_only_to_who_may_see_it(scene, url, text):
    readers = ACCOUNTS if url == "/abonnements/" else READERS  # a signed-in page
    named = {reader: shows(scene, reader, url, text(scene)) for reader in readers}
    assert named == {reader: SEES[reader] for reader in readers}


def test_the_api_counts_only_the_shown_post(scene):
    answer = scene.client("facilitator").get(f"/api/sessions/{scene.session.slug}/threads/")
    assert [thread["post_count"] for thread in answer.json()] == [1]


# Mail: who receives the board's posts, digests and recap.


def by_reader(scene: Scene, user_ids) -> dict[str, bool]:
    ids = set(user_ids)
    return {reader: scene.people[reader].pk in ids for reader in ACCOUNTS}


MAILED = {reader: SEES[reader] for reader in ACCOUNTS}


def test_a_new_post_is_mailed_to_who_may_see_the_board(scene):
    post = reply(scene.thread, author=scene.author, body="Une suite.")
    post = Post.objects.select_related("thread__board__session").get(pk=post.pk)
    assert by_reader(scene, [r.user_id for r in post_recipients(post=post)]) == MAILED
    # The fan-out wrote those very rows.
    written = Delivery.objects.filter(post=post).values_list("recipient_id", flat=True)
    assert by_reader(scene, written) == MAILED


def test_the_digest_goes_to_who_may_see_the_board_without_the_hidden_post(scene):
    Follow.objects.filter(board=scene.board).update(
        level=FollowLevel.DIGEST, updated_at=timezone.now() - timedelta(hours=1)
    )
    now = timezone.now() + timedelta(minutes=5)
    rows = board_digest_rows(board=scene.board, day=timezone.localdate(now), now=now)
    got = {person.pk: set(payload["post_ids"]) for person, payload in rows}
    assert by_reader(scene, got) == MAILED
    assert all(post_ids == {scene.shown.pk} for post_ids in got.values())


def test_the_recap_goes_to_who_may_see_the_board(scene):
    recap_write(session=scene.session, board=scene.board)
    recaps = Delivery.objects.filter(kind=DeliveryKind.RECAP)
    assert by_reader(scene, recaps.values_list("recipient_id", flat=True)) == MAILED
    assert all(MARKS["hidden"] not in recap.payload["text"] for recap in recaps)


# The live pages' websockets: refused as what does not exist.


def socket_answer(path: str, user) -> int | str:
    """The code the socket at `path` is closed with, or "open" when it is followed."""

    cookie = cookie_for(user)

    @async_to_sync
    async def scenario():
        socket = communicator(path, cookie=cookie)
        connected, _subprotocol = await socket.connect(timeout=TIMEOUT)
        assert connected
        output = await socket.receive_output(timeout=TIMEOUT)
        await socket.disconnect()
        if output["type"] == "websocket.close":
            return output.get("code")
        return "open"

    return scenario()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path",
    [
        lambda s: f"/ws/threads/{s.thread.pk}/",
        lambda s: f"/ws/boards/{s.board.slug}/",
        lambda s: f"/ws/sessions/{s.session.slug}/live/",
    ],
    ids=["thread", "board", "session live page"],
)
def test_the_live_sockets_refuse_who_may_not_see_the_board_with_4404(scene, path):
    answers = {reader: socket_answer(path(scene), scene.people[reader]) for reader in READERS}
    assert answers == {reader: "open" if SEES[reader] else 4404 for reader in READERS}
