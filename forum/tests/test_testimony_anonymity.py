"""An anonymous testimony names its author nowhere: every surface that shows a post's
or a thread's author (the list of test_visibility_surfaces.py) is asked, and shows
« Témoignage anonyme » where an author goes, never the person's name; the person's
own page does not list it. A signed one, for contrast, shows the name."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from forum.models import Follow, FollowLevel, Post
from forum.services import testimonies as testimony_services
from forum.tests.board_factories import board_for, make_facilitator, make_participant
from mailbridge.digests import board_digest_rows
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.outbound.message import Recipient, post_message_build
from mailbridge.recaps import recap_write
from realtime.tests.live import cookie_for, event_after, session_path

pytestmark = pytest.mark.django_db

NAME = "Zoé Secrète"
ANONYMOUS = "Témoignage anonyme"
MARK = "grelottante"  # a word of the testimony only
BODY = f"Notre assemblée {MARK} ne se disait rien : chacun attendait que l'autre parle."


@pytest.fixture
def zoe(event):
    return make_participant(event, display_name=NAME)


@pytest.fixture
def reader(event, sessions):
    person = make_participant(event, display_name="Lecteur Attentif")
    Follow.objects.create(user=person, board=board_for(sessions[1]), level=FollowLevel.EMAIL)
    return person


def write_testimony(session, person, consent="anonymous", title="Les silences de l'assemblée"):
    testimony_services.testimony_consent_choose(session=session, person=person, consent=consent)
    return testimony_services.testimony_submit(
        session=session, author=person, title=title, body=BODY
    )


@pytest.fixture
def testimony(sessions, zoe, reader):
    return write_testimony(sessions[1], zoe)


def text_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


SURFACES = {
    "thread page": lambda t: t.thread.get_absolute_url(),
    "board page": lambda t: t.thread.board.get_absolute_url(),
    "boards list": lambda t: "/forums/",
    "search": lambda t: f"/recherche/?q={MARK}",
    "thread feed": lambda t: f"/fils/{t.thread.pk}/atom/",
    "board feed": lambda t: f"/forums/{t.thread.board.slug}/atom/",
    "API thread": lambda t: f"/api/threads/{t.thread.pk}/",
    "API session threads": lambda t: f"/api/sessions/{t.session.slug}/threads/",
    "session live page": lambda t: f"/sessions/{t.session.slug}/live/",
    "booklet": lambda t: f"/sessions/{t.session.slug}/temoignages/livret/",
}
# Where the author's name has a place: the anonymous label must be there.
NAMED = {"thread page", "board page", "search", "thread feed", "board feed", "API thread",
         "API session threads", "booklet"}  # fmt: skip


@pytest.mark.parametrize("surface", SURFACES)
def test_no_page_feed_or_api_names_the_author(testimony, reader, surface):
    for client in (Client(), _signed_in(reader)):
        content = text_of(client, SURFACES[surface](testimony))
        assert NAME not in content, surface
        if surface in NAMED and surface != "boards list":
            assert ANONYMOUS in content, surface


def test_the_authors_own_page_does_not_list_it(testimony, zoe, reader):
    content = text_of(_signed_in(reader), f"/personnes/{zoe.pk}/")
    assert MARK not in content and "Les silences" not in content


def test_a_signed_testimony_shows_its_author_on_the_same_surfaces(sessions, zoe, reader):
    signed = write_testimony(sessions[1], zoe, consent="signed")
    for surface in ("thread page", "API thread", "thread feed", "booklet"):
        assert NAME in text_of(Client(), SURFACES[surface](signed)), surface


def test_the_list_mail_names_nobody_in_its_headers_and_from_name(testimony, reader):
    post = Post.objects.select_related("thread__board__session", "author__profile").get(
        thread=testimony.thread, number=1
    )
    raw = post_message_build(post).for_recipient(Recipient(reader.pk, reader.email, "fr"))
    assert NAME.encode() not in raw and b"Zo=C3=A9" not in raw and b"Secr" not in raw
    assert f'"{ANONYMOUS} via Intercoop"'.encode() in raw or b"via Intercoop" in raw
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["From"].addresses[0].display_name == f"{ANONYMOUS} via Intercoop"
    # The outbox row was written for the reader, who follows the session.
    assert Delivery.objects.filter(post=post, recipient=reader).exists()


def test_digests_and_the_recap_name_nobody(testimony, reader, sessions):
    board = testimony.thread.board
    Follow.objects.filter(user=reader, board=board).update(
        level=FollowLevel.DIGEST, updated_at=timezone.now() - timedelta(hours=1)
    )
    now = timezone.now() + timedelta(minutes=5)
    rows = board_digest_rows(board=board, day=timezone.localdate(now), now=now)
    assert rows
    for _person, payload in rows:
        assert NAME not in payload["text"] + payload["html"]
        assert ANONYMOUS in payload["text"]
    recap_write(session=sessions[1], board=board)
    for recap in Delivery.objects.filter(kind=DeliveryKind.RECAP):
        assert NAME not in recap.payload["text"] + recap.payload.get("html", "")


@pytest.mark.django_db(transaction=True)
def test_the_live_page_fragment_names_nobody(event, sessions):
    session = sessions[1]
    board_for(session)
    zoe = make_participant(event, display_name=NAME)
    watcher = make_participant(event, display_name="Lecteur Attentif")
    facilitator = make_facilitator(session, display_name="Animatrice")
    testimony_services.testimony_settings_set(
        session=session, editor=facilitator, hold_for_review=True, reminder_days=[]
    )
    held = write_testimony(session, zoe)
    _result, message = event_after(
        session_path(session),
        testimony_services.testimony_review,
        testimony=held,
        reviewer=facilitator,
        publish=True,
        cookie=cookie_for(watcher),
    )
    fragment = html.unescape(message["html"])
    assert ANONYMOUS in fragment and NAME not in fragment


def _signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client
