"""SMTP conversations with the real gateway, over a socket (docs/architecture.md, "How
the code is written": tests check what a person would).

The gateway runs on its own event loop in a background thread, as beside uvicorn in
`intercoop run` (mailbridge/tests/inbound/support.py). Each case asserts the exact
reply code and enhanced status, and what was stored.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import smtplib
import ssl
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiosmtpd.smtp import SMTP
from django.db import OperationalError, connection
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from limits import parse

from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.smtp import intake
from mailbridge.smtp.gateway import GatewaySMTP, Waker
from mailbridge.smtp.intake import Arrival
from mailbridge.smtp.ratelimit import SenderLimiter, trusted_networks
from mailbridge.tests.inbound.factories import (
    HELENE,
    PAUL,
    first_post,
    member,
    reply_to,
    session_board,
)
from mailbridge.tests.inbound.support import DOMAIN, RunningGateway
from mailbridge.tokens import bounce_address

SENDER = "marie@exemple.org"
SIMPLE = (
    b"From: Marie <marie@exemple.org>\r\nSubject: Bonjour\r\n"
    b"Message-ID: <m1@exemple.org>\r\n\r\nUn message.\r\n"
)


@pytest.fixture
def board(transactional_db):
    return session_board("travail-collaboratif")


@pytest.fixture
def smtp(gateway, board):
    client = gateway.client()
    try:
        yield client
    finally:
        try:
            client.quit()
        except smtplib.SMTPServerDisconnected:
            client.close()


def reply(code_text) -> tuple[int, bytes]:
    code, text = code_text
    return code, text[:5]


def test_the_gateway_greets_and_advertises_its_size_limit(smtp):
    assert smtp.has_extn("size")
    assert int(smtp.esmtp_features["size"]) == 25 * 1024 * 1024
    assert smtp.has_extn("8bitmime") and smtp.has_extn("smtputf8")


def test_an_unknown_address_is_refused_with_550_5_1_1_naming_it(smtp, caplog):
    smtp.mail(SENDER)
    with caplog.at_level(logging.INFO, logger="mailbridge.smtp.gateway"):
        code, text = smtp.rcpt(f"personne@{DOMAIN}")
    assert (code, text[:6]) == (550, b"5.1.1 ")
    assert f"personne@{DOMAIN}".encode() in text
    assert f"unknown address 'personne@{DOMAIN}'" in caplog.text


def test_an_address_at_another_domain_is_refused_with_550_5_1_1(smtp):
    smtp.mail(SENDER)
    assert reply(smtp.rcpt("travail-collaboratif@exemple.org")) == (550, b"5.1.1")


def test_a_forged_or_damaged_token_is_refused_with_550_5_7_1(smtp, board, caplog):
    paul = member(board, PAUL)
    good = reply_to(first_post(board, paul), paul)
    forged = good.replace(good.split("-")[-1].split("@")[0], "a" * 16)
    smtp.mail(SENDER)
    with caplog.at_level(logging.INFO, logger="mailbridge.smtp.gateway"):
        assert reply(smtp.rcpt(forged)) == (550, b"5.7.1")
    assert "invalid token" in caplog.text and "forged" in caplog.text
    assert reply(smtp.rcpt(f"reply+1-2-tooshort@{DOMAIN}")) == (550, b"5.7.1")
    assert reply(smtp.rcpt(f"bounces+zz-{'b' * 16}@{DOMAIN}")) == (550, b"5.7.1")
    assert reply(smtp.rcpt(good)) == (250, b"2.1.5")


def test_lists_their_commands_and_valid_tokens_are_accepted_with_250_2_1_5(smtp, board):
    smtp.mail(SENDER)
    for address in (
        f"travail-collaboratif@{DOMAIN}",
        f"Travail-Collaboratif@{DOMAIN.upper()}",
        f"travail-collaboratif+subscribe@{DOMAIN}",
        f"travail-collaboratif+unsubscribe@{DOMAIN}",
        bounce_address(42),
    ):
        assert reply(smtp.rcpt(address)) == (250, b"2.1.5"), address


def test_a_command_address_for_a_list_that_does_not_exist_is_refused(smtp):
    smtp.mail(SENDER)
    assert reply(smtp.rcpt(f"atelier-inconnu+subscribe@{DOMAIN}")) == (550, b"5.1.1")


def test_a_message_is_stored_with_its_envelope_before_250_names_its_id(gateway, board):
    paul = member(board, PAUL)
    message = SIMPLE.replace(b"Marie <marie@exemple.org>", PAUL.encode())
    conversation = gateway.send(
        message, mail_from=PAUL, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"]
    )
    assert conversation.rcpt == {f"travail-collaboratif@{DOMAIN}": (250, "2.1.5 Recipient OK")}
    code, text = conversation.data
    assert (code, text[:6]) == (250, "2.0.0 ")
    stored = InboundMessage.objects.with_raw().get(pk=conversation.inbound_id)
    assert stored.mail_from == PAUL
    assert stored.rcpt_tos == [f"travail-collaboratif@{DOMAIN}"]
    assert stored.peer == "127.0.0.1" and stored.helo == "client.exemple.org"
    raw = bytes(stored.raw)
    assert raw.startswith(b"Received: from client.exemple.org ([127.0.0.1])\r\n\tby gateway.test")
    assert raw.endswith(message)
    assert stored.size == len(raw)
    assert stored.status == InboundStatus.NEW_THREAD and stored.sender == paul


def test_a_message_over_the_size_limit_is_refused_with_552_5_3_4_and_not_stored(
    transactional_db, eager_celery, board, caplog
):
    gateway = RunningGateway(max_size=64 * 1024)
    try:
        client = gateway.client()
        assert int(client.esmtp_features["size"]) == 64 * 1024
        client.mail(SENDER)
        client.rcpt(f"travail-collaboratif@{DOMAIN}")
        huge = SIMPLE + b"x" * 76 + b"\r\n"
        huge += (b"Ligne de texte d'un tres long message. " * 2 + b"\r\n") * 2000
        with caplog.at_level(logging.INFO, logger="mailbridge.smtp.gateway"):
            code, text = client.data(huge)
        assert (code, text[:6]) == (552, b"5.3.4 ")
        assert "too_big" in caplog.text
        # The conversation goes on, and a SIZE= announcement is refused at MAIL FROM.
        code, text = client.mail(SENDER, ["SIZE=100000000"])
        assert (code, text[:5]) == (552, b"5.3.4")
        assert client.noop()[0] == 250
        client.quit()
        assert not InboundMessage.objects.exists()
    finally:
        gateway.close()


def test_a_sender_over_its_rate_limit_gets_452_4_7_1_at_rcpt(transactional_db, eager_celery, board):
    limiter = SenderLimiter(per_sender=parse("2/10 minutes"), per_peer=None)
    gateway = RunningGateway(limiter=limiter)
    try:
        answers = []
        for _number in range(3):
            # A second recipient of the same message does not count again.
            conversation = gateway.send(
                SIMPLE,
                mail_from="presse@exemple.org",
                rcpt_tos=[
                    f"travail-collaboratif@{DOMAIN}",
                    f"travail-collaboratif+subscribe@{DOMAIN}",
                ],
            )
            answers += [reply(answer) for answer in conversation.rcpt.values()]
        assert answers[:4] == [(250, "2.1.5")] * 4
        assert answers[4:] == [(452, "4.7.1")] * 2
        # Someone else is not limited by it.
        client = gateway.client()
        client.mail(SENDER)
        assert reply(client.rcpt(f"travail-collaboratif@{DOMAIN}")) == (250, b"2.1.5")
        client.quit()
    finally:
        gateway.close()


def test_a_window_filled_while_a_message_was_written_refuses_it_at_the_end_of_data(
    transactional_db, eager_celery, board
):
    gateway = RunningGateway(limiter=SenderLimiter(per_sender=parse("1/10 minutes"), per_peer=None))
    try:
        first, second = gateway.client(), gateway.client()
        for client in (first, second):
            client.mail("presse@exemple.org")
            assert reply(client.rcpt(f"travail-collaboratif@{DOMAIN}")) == (250, b"2.1.5")
        assert first.data(SIMPLE)[0] == 250
        code, text = second.data(SIMPLE)
        assert (code, text[:6]) == (452, b"4.7.1 ")
        first.quit()
        second.quit()
        gateway.idle()
        assert InboundMessage.objects.count() == 1
    finally:
        gateway.close()


def test_a_client_address_over_its_rate_limit_gets_452_unless_trusted(
    transactional_db, eager_celery, board
):
    limited = SenderLimiter(per_sender=None, per_peer=parse("1/10 minutes"))
    trusted = SenderLimiter(
        per_sender=None,
        per_peer=parse("1/10 minutes"),
        trusted_peers=trusted_networks(["127.0.0.0/8"]),
    )
    for limiter, second in ((limited, (452, "4.7.1")), (trusted, (250, "2.1.5"))):
        gateway = RunningGateway(limiter=limiter)
        try:
            got = []
            for sender in ("a@exemple.org", "b@exemple.org"):
                conversation = gateway.send(
                    SIMPLE, mail_from=sender, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"]
                )
                got += [reply(answer) for answer in conversation.rcpt.values()]
            assert got == [(250, "2.1.5"), second]
        finally:
            gateway.close()


def test_a_message_to_too_many_recipients_gets_452_4_5_3(smtp, settings):
    smtp.mail(SENDER)
    for _ in range(settings.INTERCOOP_SMTP_MAX_RECIPIENTS):
        assert smtp.rcpt(f"travail-collaboratif@{DOMAIN}")[0] == 250
    assert reply(smtp.rcpt(f"travail-collaboratif@{DOMAIN}")) == (452, b"4.5.3")


def test_a_storage_failure_answers_451_4_3_0_and_the_gateway_keeps_answering(
    gateway, board, monkeypatch, caplog
):
    def broken(arrivals):
        raise RuntimeError("disk full")

    monkeypatch.setattr(intake, "messages_store", broken)
    with caplog.at_level(logging.ERROR):
        conversation = gateway.send(
            SIMPLE, mail_from=SENDER, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"]
        )
    assert (conversation.data[0], conversation.data[1][:6]) == (451, "4.3.0 ")
    assert "not stored; answered 451" in caplog.text
    monkeypatch.undo()
    conversation = gateway.send(
        SIMPLE, mail_from=SENDER, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"]
    )
    assert conversation.data[0] == 250


def test_an_unexpected_error_at_rcpt_answers_451_4_3_0_never_500(smtp, monkeypatch):
    async def broken(self, address):
        raise RuntimeError("database restarting")

    monkeypatch.setattr(intake.AddressBook, "check", broken)
    smtp.mail(SENDER)
    assert reply(smtp.rcpt(f"travail-collaboratif@{DOMAIN}")) == (451, b"4.3.0")
    monkeypatch.undo()
    assert reply(smtp.rcpt(f"travail-collaboratif@{DOMAIN}")) == (250, b"2.1.5")


def test_a_batch_with_one_unstorable_message_stores_the_others(gateway, board, monkeypatch):
    real = intake.messages_store

    def picky(arrivals):
        if any(b"poison" in arrival.raw for arrival in arrivals):
            raise ValueError("cannot store this one")
        return real(arrivals)

    monkeypatch.setattr(intake, "messages_store", picky)
    poison = gateway.send(
        b"Subject: poison\r\n\r\nx\r\n",
        mail_from=SENDER,
        rcpt_tos=[f"travail-collaboratif@{DOMAIN}"],
    )
    fine = gateway.send(SIMPLE, mail_from=SENDER, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"])
    assert poison.data[0] == 451 and fine.data[0] == 250


def test_the_gateway_keeps_answering_after_a_garbage_line(smtp):
    code, _text = smtp.docmd("BLAH\x01 n'importe quoi")
    assert 500 <= code < 600
    smtp.send(b"\xff\xfe\x00 bytes that are no command\r\n")
    code, _text = smtp.getreply()
    assert 500 <= code < 600
    assert smtp.noop()[0] == 250
    smtp.mail(SENDER)
    assert reply(smtp.rcpt(f"travail-collaboratif@{DOMAIN}")) == (250, b"2.1.5")


def test_two_clients_at_once_both_get_answers(gateway, board):
    first, second = gateway.client(), gateway.client()
    try:
        first.mail(SENDER)
        second.mail(SENDER)
        assert first.rcpt(f"personne@{DOMAIN}")[0] == 550
        assert second.rcpt(f"travail-collaboratif@{DOMAIN}")[0] == 250
    finally:
        first.quit()
        second.quit()


def _self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=gateway.test", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_starttls_is_offered_when_a_certificate_is_configured(
    transactional_db, eager_celery, settings, tmp_path, board
):
    cert, key = _self_signed(tmp_path)
    settings.INTERCOOP_SMTP_TLS_CERT, settings.INTERCOOP_SMTP_TLS_KEY = str(cert), str(key)
    gateway = RunningGateway()
    try:
        client = gateway.client()
        assert client.has_extn("starttls")
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        client.starttls(context=context)
        client.ehlo("client.exemple.org")
        conversation = gateway.send(
            SIMPLE, mail_from=HELENE, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"], client=client
        )
        client.quit()
        assert conversation.data[0] == 250
        raw = bytes(InboundMessage.objects.with_raw().get(pk=conversation.inbound_id).raw)
        assert b"with ESMTPS" in raw.split(b"\r\n\r\n")[0]
    finally:
        gateway.close()


def test_without_a_certificate_starttls_is_not_offered(smtp):
    assert not smtp.has_extn("starttls")


def test_the_waker_coalesces_wake_ups_and_hands_over_what_it_holds_when_stopping():
    woken: list[list[int]] = []
    waker = Waker(woken.append)
    waker([1])
    waker([2, 3])
    deadline = time.monotonic() + 5
    while not woken and time.monotonic() < deadline:
        time.sleep(0.01)
    assert woken == [[1, 2, 3]]  # stored within COALESCE_SECONDS: one wake-up
    waker.ready.clear()
    with waker.lock:
        waker.pending.extend([4, 5])  # stored just before the gateway stops
    waker.flush()
    assert woken[-1] == [4, 5]


# What this gateway does faster than aiosmtpd or Django would, with the same results.

COMMAND_ADDRESSES = [
    "<marie@exemple.org>",
    "<reply+2n9c-7ps-k3abcdefghijklmn@lists.intercoop.test>",
    "<Marie.Curie+tag@Exemple.ORG> SIZE=1000 BODY=8BITMIME",
    "  <a@b>\t SMTPUTF8",
    "<a@b>(comment) SIZE=1",
    "<a@b> (comment) SIZE=1",
    '<"quoted local"@exemple.org>',
    "<a..b@exemple.org>",
    "<.a@exemple.org>",
    "<a@[192.0.2.1]>",
    "<élève@exemple.org>",
    "<>",
    "<a@b",
    "marie@exemple.org",
    "<@relay.example:a@b>",
    "",
]


def _read(protocol: SMTP, arg: str):
    try:
        return protocol._getaddr(arg)
    except Exception as exc:  # aiosmtpd's parser fails on some garbage ("<")
        return type(exc)


@pytest.mark.parametrize("limit", [0, 5])
def test_command_addresses_are_read_as_aiosmtpd_reads_them(limit):
    ours = GatewaySMTP(object())
    theirs = SMTP(object())
    ours.local_part_limit = theirs.local_part_limit = limit
    for arg in COMMAND_ADDRESSES:
        assert _read(ours, arg) == _read(theirs, arg), arg


PIECES = ["<", ">", "@", ".", " ", "\t", "(", ")", '"', "[", "]", "\\", ",", ":", "é", "\x00"]
PIECES += ["a", "b", "marie", "exemple.org", "reply+2n9c-k3", "SIZE=1", "!#$%&'*+/=?^_`{|}~-"]


@settings(max_examples=500, deadline=None)
@given(
    arg=st.tuples(
        st.sampled_from(["", " ", "<", " \t<"]),
        st.lists(st.sampled_from(PIECES), max_size=6).map("".join),
        st.sampled_from(["", ">", "@b>", "@exemple.org>"]),
        st.lists(st.sampled_from(PIECES), max_size=6).map("".join),
    ).map("".join)
)
def test_any_command_address_is_read_as_aiosmtpd_reads_it(arg):
    assert _read(GatewaySMTP(object()), arg) == _read(SMTP(object()), arg)


def test_a_lone_message_whose_write_fails_once_is_stored_on_a_second_try(
    gateway, board, monkeypatch, caplog
):
    # What a connection broken by a database restart does to the first write after it.
    real, failures = intake.messages_store, []

    def once_broken(arrivals):
        if not failures:
            failures.append(len(arrivals))
            raise OperationalError("server closed the connection unexpectedly")
        return real(arrivals)

    monkeypatch.setattr(intake, "messages_store", once_broken)
    with caplog.at_level(logging.WARNING, logger="mailbridge.smtp.intake"):
        conversation = gateway.send(
            SIMPLE, mail_from=SENDER, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"]
        )
    assert failures == [1]
    assert conversation.data[0] == 250
    assert InboundMessage.objects.filter(pk=conversation.inbound_id).exists()
    assert "storing 1 message(s) failed; again one by one" in caplog.text


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL backend is terminated here"
)
def test_the_gateway_stores_again_after_the_database_dropped_its_connection(gateway, board):
    first = gateway.send(SIMPLE, mail_from=SENDER, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"])
    assert first.data[0] == 250
    gateway.idle()
    with connection.cursor() as cursor:  # as a PostgreSQL restart does to every client
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1
    second = gateway.send(SIMPLE, mail_from=SENDER, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"])
    assert second.data[0] == 250
    assert InboundMessage.objects.filter(pk=second.inbound_id).exists()


def test_messages_stored_together_each_get_their_own_row(transactional_db):
    arrivals = [
        Arrival(
            raw=f"Subject: {number}\r\n\r\nx\r\n".encode(),
            mail_from=f"n{number}@exemple.org",
            rcpt_tos=[f"liste{number}@{DOMAIN}", "nul\x00@exemple.org"],
            peer="192.0.2.7",
            helo="client\udcff.exemple.org",
            received_at=timezone.now(),
        )
        for number in range(5)
    ]
    ids = intake.messages_store(arrivals)
    assert len(set(ids)) == 5
    for number, pk in enumerate(ids):
        row = InboundMessage.objects.with_raw().get(pk=pk)
        assert bytes(row.raw) == f"Subject: {number}\r\n\r\nx\r\n".encode()
        assert row.size == len(row.raw) and row.mail_from == f"n{number}@exemple.org"
        assert row.rcpt_tos == [f"liste{number}@{DOMAIN}", "nul@exemple.org"]
        assert row.status == InboundStatus.RECEIVED and row.helo == "client?.exemple.org"


def test_a_stored_message_is_recorded_by_its_row_and_logged_at_debug_only(gateway, board, caplog):
    with caplog.at_level(logging.INFO, logger="mailbridge.smtp.gateway"):
        quiet = gateway.send(SIMPLE, mail_from=SENDER, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"])
    assert quiet.data[0] == 250 and "stored message" not in caplog.text
    with caplog.at_level(logging.DEBUG, logger="mailbridge.smtp.gateway"):
        told = gateway.send(SIMPLE, mail_from=SENDER, rcpt_tos=[f"travail-collaboratif@{DOMAIN}"])
    assert f"stored message {told.inbound_id} from 127.0.0.1" in caplog.text


def test_the_wake_up_publishes_chunks_of_ids_through_one_producer(monkeypatch):
    from mailbridge.inbound import tasks

    sent = []
    for task in (tasks.process_inbound, tasks.process_inbound_many):
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args, _name=task.name, **options: sent.append((_name, args, options)),
        )
    ids = list(range(1, tasks.WAKE_CHUNK * 2 + 2))
    assert tasks.inbound_wake(ids) == len(ids)
    names = [name for name, _args, _options in sent]
    assert names == ["mailbridge.process_inbound_many"] * 2 + ["mailbridge.process_inbound"]
    assert [args for _name, args, _options in sent] == [
        [ids[: tasks.WAKE_CHUNK]],
        [ids[tasks.WAKE_CHUNK : -1]],
        [ids[-1]],
    ]
    assert len({id(options["producer"]) for _name, _args, options in sent}) == 1
    assert all(options["argsrepr"] == repr(args) for _name, args, options in sent)


def test_a_message_arriving_as_the_gateway_stops_is_refused_and_not_kept():
    executor = ThreadPoolExecutor(max_workers=1)
    executor.shutdown()
    store = intake.IntakeStore(database=intake.DatabaseThread(executor))
    arrival = Arrival(
        raw=SIMPLE,
        mail_from=SENDER,
        rcpt_tos=[f"travail-collaboratif@{DOMAIN}"],
        peer="127.0.0.1",
        helo="client.exemple.org",
        received_at=timezone.now(),
    )
    with pytest.raises(RuntimeError):
        asyncio.run(store.store(arrival))
    assert not store._waiting and not store._draining
