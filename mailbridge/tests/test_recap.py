"""The session recap: sent when a facilitator or organiser closes a session, to
everyone following its board by email or digest, once."""

from __future__ import annotations

import pytest

from forum.models import FollowLevel, PostSource, SessionState
from forum.services import PostDraft, post_add, post_hide, session_state_set, thread_create
from mailbridge.models import Delivery, DeliveryKind, MailboxHealth
from mailbridge.tests.listmail_support import (  # noqa: F401
    DOMAIN,
    SITE,
    html_of,
    list_mail_settings,
    received,
    text_of,
)
from mailbridge.tests.outbound.factories import make_board, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    return make_board(title="Coopératives et territoires", slug="territoires")


@pytest.fixture
def organiser(board):
    return make_member(board, level=FollowLevel.WEB, is_superuser=True, display_name="Orga")


def recaps():
    return list(Delivery.objects.filter(kind=DeliveryKind.RECAP).order_by("pk"))


def close(board, organiser):
    return session_state_set(session=board.session, actor=organiser, state=SessionState.CLOSED)


def test_closing_a_session_sends_the_recap_to_email_and_digest_followers(board, organiser):
    by_email = make_member(board, level=FollowLevel.EMAIL)
    by_digest = make_member(board, level=FollowLevel.DIGEST)
    make_member(board, level=FollowLevel.WEB)
    make_member(board, level=FollowLevel.MUTED)
    close(board, organiser)
    assert {delivery.recipient for delivery in recaps()} == {by_email, by_digest}
    assert {delivery.key for delivery in recaps()} == {"recap:territoires"}


def test_the_recap_tells_what_was_said_with_counts_and_links(board, organiser):
    reader = make_member(board, level=FollowLevel.EMAIL)
    writer = make_member(board, level=FollowLevel.WEB)
    busy = thread_create(
        board=board, author=writer, title="Les statuts types", body="Voici nos statuts."
    )
    post_add(draft=PostDraft(thread=busy, author=organiser, body="Merci !"))
    post_add(
        draft=PostDraft(thread=busy, author=writer, body="Par courriel", source=PostSource.EMAIL)
    )
    quiet = thread_create(board=board, author=organiser, title="Le budget", body="À voter.")
    hidden = post_add(draft=PostDraft(thread=quiet, author=writer, body="Hors sujet"))
    post_hide(post=hidden, moderator=organiser, reason="hors sujet")
    close(board, organiser)
    (recap,) = recaps()
    assert recap.recipient == reader
    message = received(recap)
    assert message["Subject"] == "[territoires] Bilan de la session « Coopératives et territoires »"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Precedence"] == "list"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["From"].addresses[0].addr_spec == f"territoires@{DOMAIN}"
    text = text_of(message)
    assert "2 fils · 4 messages (dont 1 envoyé par courriel) · 2 participant·es" in text
    assert text.index("Les statuts types (3 messages)") < text.index("Le budget (1 message)")
    assert "Voici nos statuts." in text
    assert "Hors sujet" not in text
    assert f"{SITE}/fils/{busy.pk}/" in text
    assert f"{SITE}/forums/territoires/" in text
    assert f'href="{SITE}/fils/{quiet.pk}/"' in html_of(message)


def test_a_session_without_posts_says_so(board, organiser):
    make_member(board, level=FollowLevel.EMAIL)
    close(board, organiser)
    (recap,) = recaps()
    assert "Aucun message n'a été écrit dans ce forum." in text_of(received(recap))


def test_only_closing_sends_a_recap(board, organiser):
    make_member(board, level=FollowLevel.EMAIL)
    session_state_set(session=board.session, actor=organiser, state=SessionState.LIVE)
    assert recaps() == []
    close(board, organiser)
    assert len(recaps()) == 1


def test_closing_again_after_reopening_sends_no_second_recap(board, organiser):
    make_member(board, level=FollowLevel.EMAIL)
    close(board, organiser)
    session_state_set(session=board.session, actor=organiser, state=SessionState.LIVE)
    close(board, organiser)
    assert len(recaps()) == 1


def test_a_recap_goes_neither_to_suspended_mailboxes_nor_to_people_who_lost_access(organiser):
    private = make_board(title="Réunion du bureau", private=True)
    registered = make_member(private, level=FollowLevel.EMAIL)
    make_member(private, level=FollowLevel.EMAIL, registered=False)
    suspended = make_member(private, level=FollowLevel.EMAIL)
    MailboxHealth.objects.create(user=suspended, bounce_score=5, suspended_at="2007-07-05T10:00Z")
    close(private, organiser)
    assert [delivery.recipient for delivery in recaps()] == [registered]


def test_the_recap_speaks_the_language_of_its_reader(board, organiser):
    english = make_member(board, level=FollowLevel.EMAIL, language="en")
    close(board, organiser)
    (recap,) = recaps()
    assert recap.recipient == english
    assert recap.payload["language"] == "en"
    assert "4 July 2007" in recap.payload["text"]
    assert 'lang="en"' in recap.payload["html"]


def test_the_recap_is_written_with_the_state_change_and_the_sender_woken_after_commit(
    board, organiser, django_capture_on_commit_callbacks, monkeypatch
):
    from mailbridge import listmail

    woken = []
    monkeypatch.setattr(listmail, "outbox_wake", lambda deliveries=0: woken.append(deliveries))
    make_member(board, level=FollowLevel.EMAIL)
    make_member(board, level=FollowLevel.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        close(board, organiser)
        assert len(recaps()) == 2  # in the same transaction as the state change
        assert woken == []
    assert woken == [2]
