"""Bounces: DSNs (RFC 3464) parsed with the standard library, refusals at the relay,
the mailbox score, suspension at the threshold, and the banner that lets the person
resume delivery."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from forum.tests.reading import page_text
from mailbridge.bounces import (
    bounce_process,
    parse_dsn,
    record_delivery_failure,
)
from mailbridge.models import (
    Bounce,
    BounceKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    MailboxHealth,
)
from mailbridge.tests.listmail_support import list_mail_settings  # noqa: F401
from mailbridge.tests.outbound.factories import make_board, make_member

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def delivery_to(person, key="digest:session-1:2007-07-05") -> Delivery:
    return Delivery.objects.create(
        kind=DeliveryKind.DIGEST,
        key=key,
        recipient=person,
        address=person.email,
        next_attempt_at=timezone.now(),
    )


def health_of(person) -> MailboxHealth:
    return MailboxHealth.objects.get(user=person)


# Parsing: what each kind of report says.


@pytest.mark.parametrize(
    ("name", "recipient", "action", "status", "kind", "diagnostic"),
    [
        (
            "dsn_hard_550_user_unknown.eml",
            "claire.martin@exemple.org",
            "failed",
            "5.1.1",
            BounceKind.HARD,
            "550-5.1.1 The email account that you tried to reach does not exist.",
        ),
        (
            "dsn_soft_452_mailbox_full.eml",
            "paul.durand@exemple.net",
            "failed",
            "4.2.2",
            BounceKind.SOFT,
            "452 4.2.2 Mailbox full",
        ),
        (
            "dsn_postfix_host_not_found.eml",
            "helene@cooperative-disparue.example",
            "failed",
            "5.4.4",
            BounceKind.HARD,
            "Host or domain name not found.",
        ),
        (
            "dsn_exchange_recipient_not_found.eml",
            "marc.lefebvre@coop-exemple.fr",
            "failed",
            "5.1.10",
            BounceKind.HARD,
            "RESOLVER.ADR.RecipientNotFound",
        ),
        (
            "dsn_delayed_warning.eml",
            "paul.durand@exemple.net",
            "delayed",
            "4.4.1",
            None,
            "Connection timed out",
        ),
    ],
)
def test_each_report_gives_recipient_action_status_and_diagnostic(
    name, recipient, action, status, kind, diagnostic
):
    (report,) = parse_dsn(fixture(name))
    assert report.recipient == recipient
    assert report.action == action
    assert report.status == status
    assert report.kind == kind
    assert diagnostic in report.diagnostic


def test_a_message_that_is_not_a_report_is_recognised_as_such():
    assert parse_dsn(fixture("not_dsn_vacation_reply.eml")) is None


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe garbage \x00\x01",
        b"Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\nContent-Type: "
        b"message/delivery-status\r\n\r\n--x--\r\n",
        b"Content-Type: multipart/report; boundary=\r\n\r\nno parts at all",
    ],
)
def test_malformed_input_is_not_a_report_and_never_crashes(raw):
    assert parse_dsn(raw) is None


# Recording and scoring.


def test_a_hard_bounce_scores_two_and_is_recorded_against_the_delivery():
    person = make_member(make_board(), email="claire.martin@exemple.org")
    delivery = delivery_to(person)
    outcome = bounce_process(fixture("dsn_hard_550_user_unknown.eml"), delivery.pk)
    assert outcome.is_dsn
    (bounce,) = Bounce.objects.all()
    assert (bounce.delivery, bounce.user, bounce.kind, bounce.status) == (
        delivery,
        person,
        BounceKind.HARD,
        "5.1.1",
    )
    assert "does not exist" in bounce.diagnostic
    health = health_of(person)
    assert health.bounce_score == 2
    assert health.last_bounce_at is not None
    assert health.suspended_at is None


def test_a_soft_bounce_scores_one():
    person = make_member(make_board(), email="paul.durand@exemple.net")
    bounce_process(fixture("dsn_soft_452_mailbox_full.eml"), delivery_to(person).pk)
    assert health_of(person).bounce_score == 1
    assert Bounce.objects.get().kind == BounceKind.SOFT


def test_a_delay_warning_and_a_vacation_reply_count_for_nothing():
    person = make_member(make_board(), email="paul.durand@exemple.net")
    delayed = bounce_process(fixture("dsn_delayed_warning.eml"), delivery_to(person).pk)
    vacation = bounce_process(fixture("not_dsn_vacation_reply.eml"), delivery_to(person, "k2").pk)
    assert delayed.is_dsn and not delayed.bounces
    assert not vacation.is_dsn
    assert vacation.reason == "not a delivery status notification"
    assert not Bounce.objects.exists()
    assert not MailboxHealth.objects.filter(user=person).exists()


def test_without_a_token_mail_we_sent_that_address_lately_proves_nothing():
    # The report returns a digest's headers (no reply token): anyone could have
    # written it about an address we write to (mailbridge/tests/smtp/test_forged_bounces.py).
    person = make_member(make_board(), email="claire.martin@exemple.org")
    sent = delivery_to(person)
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)
    outcome = bounce_process(fixture("dsn_hard_550_user_unknown.eml"), None)
    assert (outcome.delivery, outcome.scored) == (None, 0)
    assert Bounce.objects.get().delivery is None
    assert not MailboxHealth.objects.filter(user=person).exists()


@pytest.mark.parametrize(
    "returned",
    [
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Content-Type: text/rfc822-headers\r\n\r\n\xff\xfe\x00 Message-ID: <post-1@",
        b"Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!",
        b"Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <post-99999999999999999999@x>",
    ],
)
def test_a_malformed_returned_message_proves_nothing_and_never_crashes(returned):
    report = fixture("dsn_hard_550_user_unknown.eml")
    head, _returned, tail = report.rpartition(b"Content-Type: message/rfc822")
    report = head + returned + b"\r\n\r\n--000000000000dsnboundary--\r\n"
    outcome = bounce_process(report, None)
    assert outcome.is_dsn and outcome.delivery is None and outcome.scored == 0


def test_a_report_naming_an_address_we_did_not_write_to_is_not_scored():
    # Anyone can write a DSN: without our token, it must match mail we really sent.
    person = make_member(make_board(), email="marc.lefebvre@coop-exemple.fr")
    outcome = bounce_process(fixture("dsn_exchange_recipient_not_found.eml"), None)
    assert outcome.is_dsn
    (bounce,) = Bounce.objects.all()  # kept for the organisers to see
    assert (bounce.user, bounce.delivery) == (person, None)
    assert not MailboxHealth.objects.filter(user=person).exists()


def test_the_same_report_received_twice_counts_once():
    person = make_member(make_board(), email="claire.martin@exemple.org")
    delivery = delivery_to(person)
    bounce_process(fixture("dsn_hard_550_user_unknown.eml"), delivery.pk)
    bounce_process(fixture("dsn_hard_550_user_unknown.eml"), delivery.pk)
    assert Bounce.objects.count() == 1
    assert health_of(person).bounce_score == 2


def test_a_refusal_by_the_relay_is_a_hard_bounce():
    person = make_member(make_board())
    delivery = delivery_to(person)
    record_delivery_failure(delivery, 550, "5.1.1 <x@exemple.org>: Recipient address rejected")
    bounce = Bounce.objects.get()
    assert (bounce.kind, bounce.status) == (BounceKind.HARD, "5.1.1")
    assert bounce.diagnostic.startswith("550 5.1.1")
    assert health_of(person).bounce_score == 2


def test_the_score_starts_again_after_thirty_quiet_days():
    person = make_member(make_board())
    MailboxHealth.objects.create(
        user=person, bounce_score=4, last_bounce_at=timezone.now() - timedelta(days=31)
    )
    record_delivery_failure(delivery_to(person), 550, "5.1.1 unknown")
    health = health_of(person)
    assert health.bounce_score == 2
    assert health.suspended_at is None


def test_the_score_adds_up_within_thirty_days():
    person = make_member(make_board())
    MailboxHealth.objects.create(
        user=person, bounce_score=3, last_bounce_at=timezone.now() - timedelta(days=29)
    )
    record_delivery_failure(delivery_to(person), 550, "5.1.1 unknown")
    assert health_of(person).bounce_score == 5


def test_mail_is_suspended_at_the_threshold(settings):
    settings.INTERCOOP_BOUNCE_THRESHOLD = 5
    person = make_member(make_board())
    for number in range(2):
        record_delivery_failure(delivery_to(person, f"k{number}"), 550, "5.1.1 unknown")
    assert health_of(person).suspended_at is None  # 4 < 5
    record_delivery_failure(delivery_to(person, "k2"), 452, "4.2.2 Mailbox full")
    health = health_of(person)
    assert health.bounce_score == 5
    assert health.suspended_at is not None


def test_the_threshold_is_configurable(settings):
    settings.INTERCOOP_BOUNCE_THRESHOLD = 2
    person = make_member(make_board())
    record_delivery_failure(delivery_to(person), 550, "5.1.1 unknown")
    assert health_of(person).suspended_at is not None


# The banner.


def suspend(person):
    MailboxHealth.objects.create(
        user=person, bounce_score=6, last_bounce_at=timezone.now(), suspended_at=timezone.now()
    )


def test_a_suspended_person_sees_a_banner_on_every_page(client):
    person = make_member(make_board(), email="claire.martin@exemple.org")
    suspend(person)
    client.force_login(person)
    for url in ("/abonnements/", "/inscription/"):
        text = page_text(client.get(url))
        assert "Nous n'arrivons plus à vous écrire à claire.martin@exemple.org" in text
        assert "reprendre les envois" in text


def test_nobody_else_sees_the_banner(client):
    person = make_member(make_board())
    MailboxHealth.objects.create(user=person, bounce_score=2, last_bounce_at=timezone.now())
    client.force_login(person)
    assert "Nous n'arrivons plus" not in page_text(client.get("/abonnements/"))
    client.logout()
    assert "Nous n'arrivons plus" not in page_text(client.get("/abonnements/", follow=True))


def test_the_banner_button_resumes_delivery_and_returns_to_the_page(client):
    person = make_member(make_board(), email="claire.martin@exemple.org")
    suspend(person)
    client.force_login(person)
    response = client.post("/abonnements/reprendre-les-courriels/", {"next": "/inscription/"})
    assert response.status_code == 302
    assert response["Location"] == "/inscription/"
    health = health_of(person)
    assert (health.bounce_score, health.suspended_at) == (0, None)
    page = page_text(client.get("/inscription/"))
    assert "nous vous écrivons de nouveau à claire.martin@exemple.org" in page
    assert "Nous n'arrivons plus" not in page


def test_resuming_never_redirects_to_another_site(client):
    person = make_member(make_board())
    suspend(person)
    client.force_login(person)
    response = client.post(
        "/abonnements/reprendre-les-courriels/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/abonnements/"


def test_resuming_takes_a_post(client):
    person = make_member(make_board())
    suspend(person)
    client.force_login(person)
    assert client.get("/abonnements/reprendre-les-courriels/").status_code == 405
    assert health_of(person).suspended_at is not None
