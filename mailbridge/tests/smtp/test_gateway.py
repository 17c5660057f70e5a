"""SMTP conversations with the real gateway, over a socket (style.md, "Tests").

The gateway runs on its own event loop in a background thread, as it runs beside
uvicorn in `intercoop run`. Its RCPT check reads the database from a worker thread
(never on the event loop), so the programme must be committed where that thread's
connection can see it: `transactional_db` commits it (an in-memory SQLite test
database is opened in shared-cache mode, one database for every thread; PostgreSQL
sees committed rows from any connection). The loop's executor has a single thread
so that the fixture can close that thread's database connection before the test
database is flushed or dropped.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from forum.seed.loader import programme_load
from mailbridge.smtp.gateway import start_gateway

SENDER = "marie@exemple.org"


@pytest.fixture
def gateway_port(transactional_db, settings):
    settings.INTERCOOP_MAIL_DOMAIN = "lists.localhost"
    programme_load()
    loop = asyncio.new_event_loop()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-db")
    loop.set_default_executor(executor)
    thread = threading.Thread(target=loop.run_forever, name="gateway-loop", daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(
        start_gateway(host="127.0.0.1", port=0, hostname="gateway.test"), loop
    ).result(timeout=10)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:

        async def close() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=10)
        executor.submit(connections.close_all).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        executor.shutdown(wait=True)
        loop.close()


@pytest.fixture
def smtp(gateway_port):
    client = smtplib.SMTP("127.0.0.1", gateway_port, timeout=10)
    try:
        yield client
    finally:
        try:
            client.quit()
        except smtplib.SMTPServerDisconnected:
            client.close()


def test_the_gateway_greets_and_advertises_its_size_limit(smtp):
    code, _text = smtp.ehlo("client.exemple.org")
    assert code == 250
    assert smtp.has_extn("size")
    assert int(smtp.esmtp_features["size"]) >= 10 * 1024 * 1024


def test_an_unknown_address_is_refused_with_550_5_1_1_naming_it(smtp, caplog):
    smtp.ehlo("client.exemple.org")
    assert smtp.mail(SENDER)[0] == 250
    with caplog.at_level(logging.INFO, logger="mailbridge.smtp.gateway"):
        code, text = smtp.rcpt("personne@lists.localhost")
    assert code == 550
    assert text.startswith(b"5.1.1 ")
    assert b"personne@lists.localhost" in text
    assert "unknown address 'personne@lists.localhost'" in caplog.text


def test_an_address_at_another_domain_is_refused_with_550(smtp):
    smtp.ehlo("client.exemple.org")
    smtp.mail(SENDER)
    code, text = smtp.rcpt("travail-collaboratif@exemple.org")
    assert (code, text[:5]) == (550, b"5.1.1")


def test_a_session_list_address_is_deferred_with_451_4_3_2(smtp):
    smtp.ehlo("client.exemple.org")
    smtp.mail(SENDER)
    for address in (
        "travail-collaboratif@lists.localhost",
        "Pratiques-Web2@LISTS.localhost",
        "reseaux-cooperatifs+subscribe@lists.localhost",
    ):
        code, text = smtp.rcpt(address)
        assert (code, text[:5]) == (451, b"4.3.2"), address


def test_a_command_address_for_a_list_that_does_not_exist_is_refused(smtp):
    smtp.ehlo("client.exemple.org")
    smtp.mail(SENDER)
    code, text = smtp.rcpt("atelier-inconnu+subscribe@lists.localhost")
    assert (code, text[:5]) == (550, b"5.1.1")


def test_a_reply_address_is_deferred_until_mail_intake_exists(smtp):
    smtp.ehlo("client.exemple.org")
    smtp.mail(SENDER)
    code, text = smtp.rcpt("reply+anything@lists.localhost")
    assert (code, text[:5]) == (451, b"4.3.2")


def test_no_message_is_ever_accepted_at_data(smtp):
    smtp.ehlo("client.exemple.org")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail(
            SENDER,
            ["travail-collaboratif@lists.localhost", "personne@lists.localhost"],
            b"Subject: Bonjour\r\n\r\nUn message.\r\n",
        )
    codes = {address: reply[0] for address, reply in refused.value.recipients.items()}
    assert codes == {
        "travail-collaboratif@lists.localhost": 451,
        "personne@lists.localhost": 550,
    }
    smtp.rset()
    smtp.mail(SENDER)
    smtp.rcpt("travail-collaboratif@lists.localhost")
    code, _text = smtp.docmd("DATA")
    assert code not in (250, 354)
    assert 500 <= code < 600


def test_the_gateway_keeps_answering_after_a_garbage_line(smtp):
    smtp.ehlo("client.exemple.org")
    code, _text = smtp.docmd("BLAH\x01 n'importe quoi")
    assert 500 <= code < 600
    smtp.send(b"\xff\xfe\x00 bytes that are no command\r\n")
    code, _text = smtp.getreply()
    assert 500 <= code < 600
    assert smtp.noop()[0] == 250
    smtp.mail(SENDER)
    code, text = smtp.rcpt("travail-collaboratif@lists.localhost")
    assert (code, text[:5]) == (451, b"4.3.2")


def test_two_clients_at_once_both_get_answers(gateway_port):
    first = smtplib.SMTP("127.0.0.1", gateway_port, timeout=10)
    second = smtplib.SMTP("127.0.0.1", gateway_port, timeout=10)
    try:
        for client in (first, second):
            client.ehlo("client.exemple.org")
            client.mail(SENDER)
        assert first.rcpt("personne@lists.localhost")[0] == 550
        assert second.rcpt("pratiques-web2@lists.localhost")[0] == 451
    finally:
        first.quit()
        second.quit()
