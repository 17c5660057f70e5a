"""create_post: the message becomes a post through the forum's own services."""

from __future__ import annotations

import pytest

from forum.models import Post, Thread
from mailbridge.inbound.errors import StepFailed
from mailbridge.inbound.processing import MAX_ATTEMPTS, inbound_process
from mailbridge.inbound.steps.create_post import clean_subject
from mailbridge.models import Delivery, DeliveryKind, InboundMessage, InboundStatus
from mailbridge.tests.inbound.factories import CLAIRE, HELENE, Scene, member
from mailbridge.tests.inbound.support import answering_another_thread, store_by_hand


def test_a_member_writing_to_the_list_opens_a_thread_with_a_clean_title(gateway):
    scene = Scene()
    claire = member(scene.board, CLAIRE, name="Claire Bernard")
    stored = gateway.send(
        scene.fixture("new_thread_gmail_fr.eml"), mail_from=CLAIRE, rcpt_tos=[scene.list_address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.NEW_THREAD, "new_thread")
    thread = stored.post.thread
    assert thread.title == "Proposition d'atelier sur les coopératives scolaires"
    assert thread.board == scene.board and thread.author == claire
    assert stored.post.number == 1 and stored.post.source == "email"
    assert stored.post.message_id == stored.message_id
    assert stored.post.body_text.startswith("Bonjour,\n\nJe propose un atelier d’une heure")
    # Fanned out like a web post: followers' deliveries are written.
    assert Delivery.objects.filter(post=stored.post, kind=DeliveryKind.POST).count() >= 2


def test_a_reply_to_a_locked_thread_is_rejected_and_the_sender_told(gateway):
    scene = Scene()
    Thread.objects.filter(pk=scene.thread.pk).update(is_locked=True)
    stored = gateway.send(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "thread_locked")
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    assert "verrouillé" in notice.payload["text"]
    assert notice.payload["subject"] == "Votre message n'a pas été publié"


def test_a_reply_to_a_board_its_author_may_no_longer_see_is_rejected(gateway):
    scene = Scene()
    session = scene.board.session
    session.is_private = True
    session.save(update_fields=["is_private"])
    scene.helene.registrations.update(status="cancelled")
    stored = gateway.send(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "not_allowed")
    assert Delivery.objects.filter(kind=DeliveryKind.NOTICE, address=HELENE).exists()


def test_a_text_over_the_size_limit_is_rejected_as_too_long(gateway, settings):
    scene = Scene()
    settings.INTERCOOP_POST_MAX_CHARS = 50
    stored = gateway.send(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "too_long")


def test_a_new_thread_without_subject_is_titled_by_its_first_line(gateway):
    scene = Scene()
    member(scene.board, CLAIRE)
    data = scene.fixture("new_thread_gmail_fr.eml")
    head, body = data.split(b"\r\n\r\n", 1)
    head = b"\r\n".join(
        line for line in head.split(b"\r\n") if not line.startswith((b"Subject:", b" =?UTF-8"))
    )
    stored = gateway.send(
        head + b"\r\n\r\n" + body, mail_from=CLAIRE, rcpt_tos=[scene.list_address]
    ).message()
    assert stored.post.thread.title == "Bonjour,"


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("Re: [session] Qui vient ?", "Qui vient ?"),
        ("RE : TR: Réf. : [session] Qui vient ?", "Qui vient ?"),
        ("Fwd: Fw: AW: WG: RV: R: Qui vient ?", "Qui vient ?"),
        ("Re[2]: Re: re: Qui vient ?", "Qui vient ?"),
        ("TR\u00a0: Qui vient ?", "Qui vient ?"),
        ("Retour sur la session", "Retour sur la session"),
        ("Réflexions : la suite", "Réflexions : la suite"),
        ("Re:", ""),
    ],
)
def test_reply_and_forward_prefixes_are_cleaned_from_new_thread_titles(subject, title):
    assert clean_subject(subject) == title


def test_the_reply_counts_in_its_thread_as_a_web_reply_does(gateway):
    scene = Scene()
    stored = gateway.send(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    thread = Thread.objects.get(pk=scene.thread.pk)
    assert thread.post_count == 2 and thread.last_post_id == stored.post_id


def test_a_refusal_no_message_can_meet_is_retried_then_a_processing_error(db, monkeypatch):
    scene = Scene()
    answering_another_thread(monkeypatch, scene)
    row = store_by_hand(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    )
    with pytest.raises(StepFailed):
        inbound_process(inbound_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.reason) == (InboundStatus.RECEIVED, "processing_error")  # kept
    # The retries fail alike, up to the last attempt.
    InboundMessage.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS - 1)
    assert inbound_process(inbound_id=row.pk) == InboundStatus.REJECTED
    row.refresh_from_db()
    assert row.reason == "processing_error"
    failure = next(entry for entry in row.trail if entry["step"] == "create_post")
    assert failure["outcome"] == "error" and "UserError" in failure["detail"]
    assert not Post.objects.filter(thread=scene.thread, number__gt=1).exists()
    # Not the sender's fault: no notice telling them their text was too long.
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTICE).exists()
