"""Large messages at the gateway: a large message is kept as a file under the data dir
(durable before the 250, named by its row, read back by the pipeline, gone with the
row), and the bytes of DATA in flight are bounded (451 4.3.1 beyond the budget)."""

from __future__ import annotations

import os
import smtplib
import socket
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.raw_files import raw_file_path
from mailbridge.tests.inbound.factories import PAUL, first_post, member, reply_to, session_board
from mailbridge.tests.inbound.support import RunningGateway

FILE_BYTES = 64 * 1024


@pytest.fixture
def board(transactional_db, settings, tmp_path):
    settings.INTERCOOP_INBOUND_FILE_BYTES = FILE_BYTES
    settings.INTERCOOP_INBOUND_DIR = tmp_path / "inbound"
    return session_board("travail-collaboratif")


def _reply(address: str, body: str, *, message_id: str = "<grand@exemple.org>") -> bytes:
    return (
        f"From: Paul <{PAUL}>\r\nTo: {address}\r\nSubject: Re: Témoignage\r\n"
        f"Message-ID: {message_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def _with_attachment(address: str, size: int) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = f"Paul <{PAUL}>", address, "Re: Témoignage"
    message["Message-ID"] = "<grand@exemple.org>"
    message.set_content("Je viens avec un témoignage, le voici.")
    document = b"%PDF-1.4\n" + os.urandom(size)
    message.add_attachment(document, maintype="application", subtype="pdf", filename="t.pdf")
    return message.as_bytes(policy=SMTP)


@pytest.fixture
def gateway(board, eager_celery):
    running = RunningGateway()  # after the settings above: it reads them when it starts
    try:
        yield running
    finally:
        running.close()


def test_a_large_reply_is_kept_as_a_file_and_posted_from_it(gateway, board):
    paul = member(board, PAUL)
    address = reply_to(first_post(board, paul), paul)
    data = _with_attachment(address, 2 * FILE_BYTES)
    conversation = gateway.send(data, mail_from=PAUL, rcpt_tos=[address])

    assert conversation.data[0] == 250
    row = InboundMessage.objects.with_raw().get(pk=conversation.inbound_id)
    assert row.raw_file and bytes(row.raw) == b""
    assert row.size > FILE_BYTES
    stored = raw_file_path(row.raw_file).read_bytes()
    assert stored.endswith(data) and stored.startswith(b"Received: ")
    assert row.raw_bytes() == stored
    # The pipeline read it as it reads a row's bytes: the reply is posted.
    assert row.status == InboundStatus.POSTED
    assert row.post.body_markdown.startswith("Je viens avec un témoignage")
    assert row.post.attachments.get().size > 2 * FILE_BYTES

    row.delete()
    assert not raw_file_path(row.raw_file).exists()


def test_a_small_message_stays_in_its_row(gateway, board):
    paul = member(board, PAUL)
    address = reply_to(first_post(board, paul), paul)
    conversation = gateway.send(_reply(address, "Court."), mail_from=PAUL, rcpt_tos=[address])
    row = InboundMessage.objects.with_raw().get(pk=conversation.inbound_id)
    assert row.raw_file == "" and bytes(row.raw).endswith(b"Court.\r\n")
    assert row.status == InboundStatus.POSTED


@pytest.fixture
def small_budget(transactional_db, eager_celery, settings, board):
    settings.INTERCOOP_SMTP_DATA_BUDGET_BYTES = 300 * 1024
    running = RunningGateway()
    try:
        yield running
    finally:
        running.close()


def _line(sock_file) -> str:
    """The last line of one SMTP reply."""
    while True:
        line = sock_file.readline().decode()
        if line[3:4] != "-":
            return line.strip()


def _data_held_open(port: int, address: str, size: int):
    """A client that declared `size` and is in the middle of its DATA."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    file = sock.makefile("rb")
    _line(file)
    for command in ("EHLO lent.exemple.org", f"MAIL FROM:<{PAUL}> SIZE={size}"):
        sock.sendall(command.encode() + b"\r\n")
        assert _line(file).startswith("250"), command
    sock.sendall(f"RCPT TO:<{address}>\r\n".encode())
    assert _line(file).startswith("250")
    sock.sendall(b"DATA\r\n")
    assert _line(file).startswith("354")
    sock.sendall(b"Subject: lent\r\n\r\n" + b"x" * 1000 + b"\r\n")
    return sock, file


def test_data_over_the_budget_is_deferred_with_451_4_3_1_then_accepted(small_budget, board):
    paul = member(board, PAUL)
    address = reply_to(first_post(board, paul), paul)
    held, held_file = _data_held_open(small_budget.port, address, 300 * 1024 - 100)

    client = small_budget.client()
    data = _reply(address, "Une réponse pendant ce temps.", message_id="<second@exemple.org>")
    client.mail(PAUL, options=[f"SIZE={len(data)}"])
    client.rcpt(address)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        client.data(data)
    assert refused.value.smtp_code == 451 and refused.value.smtp_error.startswith(b"4.3.1")
    client.rset()

    held.sendall(b".\r\n")  # the first message ends: its bytes are given back
    assert _line(held_file).startswith("250")
    held.close()
    conversation = small_budget.send(data, mail_from=PAUL, rcpt_tos=[address], client=client)
    client.quit()
    assert conversation.data[0] == 250


def test_more_data_than_declared_is_refused_with_552(small_budget, board):
    paul = member(board, PAUL)
    address = reply_to(first_post(board, paul), paul)
    client = small_budget.client()
    client.mail(PAUL, options=["SIZE=2000"])
    client.rcpt(address)
    code, text = client.data(_reply(address, "Bien plus que déclaré.\r\n" * 500))
    assert (code, text[:5]) == (552, b"5.3.4")
    client.quit()
