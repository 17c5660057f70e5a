"""DATA as it arrives (mailbridge/smtp/spool.py): a large message reaches its file
while it is still being sent, one cut short leaves nothing behind, and the SMTP rules
of DATA hold (leading dots, long lines)."""

from __future__ import annotations

import socket
import time

import pytest

from mailbridge.models import InboundMessage
from mailbridge.raw_files import raw_file_path
from mailbridge.smtp.spool import FLUSH_BYTES
from mailbridge.tests.inbound.factories import PAUL, first_post, member, reply_to, session_board
from mailbridge.tests.inbound.support import RunningGateway

FILE_BYTES = 64 * 1024
LINE = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"


@pytest.fixture
def inbound(transactional_db, settings, tmp_path):
    settings.INTERCOOP_INBOUND_FILE_BYTES = FILE_BYTES
    settings.INTERCOOP_INBOUND_DIR = tmp_path / "inbound"
    return settings.INTERCOOP_INBOUND_DIR


@pytest.fixture
def gateway(inbound, eager_celery):
    running = RunningGateway()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def address(inbound):
    board = session_board("travail-collaboratif")
    paul = member(board, PAUL)
    return reply_to(first_post(board, paul), paul)


def _reply_line(file) -> str:
    while True:
        line = file.readline().decode()
        if line[3:4] != "-":
            return line.strip()


def _open_data(port: int, address: str):
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    file = sock.makefile("rb")
    _reply_line(file)
    for command in ("EHLO gros.exemple.org", f"MAIL FROM:<{PAUL}>", f"RCPT TO:<{address}>"):
        sock.sendall(command.encode() + b"\r\n")
        assert _reply_line(file).startswith("250"), command
    sock.sendall(b"DATA\r\n")
    assert _reply_line(file).startswith("354")
    return sock, file


def _files(directory, pattern: str) -> list:
    return sorted(directory.glob(pattern)) if directory.exists() else []


def _wait_for(predicate, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError("not reached in time")
        time.sleep(0.02)
    return result


def test_a_large_message_is_in_its_file_before_its_end_has_arrived(gateway, inbound, address):
    sock, file = _open_data(gateway.port, address)
    head = f"From: <{PAUL}>\r\nTo: {address}\r\nSubject: Re: gros\r\n\r\n".encode()
    body = LINE * (2 * FLUSH_BYTES // len(LINE))
    sock.sendall(head + body)

    # Still in DATA: more than a megabyte of it is already on disk, not in memory.
    partial = _wait_for(lambda: _files(inbound, ".*.part"))
    _wait_for(lambda: partial[0].stat().st_size >= FLUSH_BYTES)
    assert not _files(inbound, "*.eml")

    sock.sendall(b".\r\n")
    assert _reply_line(file).startswith("250")
    file.close()
    sock.close()
    row = InboundMessage.objects.get()
    stored = raw_file_path(row.raw_file).read_bytes()
    assert stored.startswith(b"Received: ") and stored.endswith(head + body)
    assert row.size == len(stored)
    assert not _files(inbound, ".*.part")


def test_a_message_cut_short_leaves_no_file_and_no_row(gateway, inbound, address):
    sock, file = _open_data(gateway.port, address)
    sock.sendall(b"Subject: interrompu\r\n\r\n" + LINE * (2 * FLUSH_BYTES // len(LINE)))
    _wait_for(lambda: _files(inbound, ".*.part"))
    file.close()
    sock.close()

    _wait_for(lambda: not _files(inbound, ".*.part"))
    gateway.idle()
    assert not InboundMessage.objects.exists() and not _files(inbound, "*.eml")


@pytest.mark.parametrize("lines", [10, 2 * FILE_BYTES // len(LINE)], ids=["row", "file"])
def test_leading_dots_are_given_back_as_sent(gateway, address, lines):
    text = f"Subject: points\r\n\r\n.cache\r\n..\r\n{'.' * 3}\r\n".encode() + LINE * lines
    client = gateway.client()
    client.mail(PAUL)
    client.rcpt(address)
    code, _ = client.data(text)  # smtplib doubles the leading dots, as RFC 5321 says
    client.quit()

    assert code == 250
    stored = InboundMessage.objects.get().raw_bytes()
    assert stored.endswith(b"\r\n\r\n.cache\r\n..\r\n...\r\n" + LINE * lines)


def test_a_line_too_long_is_refused_with_500_and_nothing_is_stored(gateway, inbound, address):
    client = gateway.client()
    client.mail(PAUL)
    client.rcpt(address)
    code, text = client.data(b"Subject: long\r\n\r\n" + b"y" * 40_000 + b"\r\nfin\r\n")
    assert code == 500 and text.startswith(b"5.5.")
    client.rset()
    assert client.noop()[0] == 250  # the conversation goes on
    client.quit()
    gateway.idle()
    assert not InboundMessage.objects.exists()
    assert not _files(inbound, ".*.part") and not _files(inbound, "*.eml")


def test_more_than_declared_gets_552_and_its_file_is_removed(gateway, inbound, address):
    client = gateway.client()
    client.mail(PAUL, options=[f"SIZE={4 * FILE_BYTES}"])
    client.rcpt(address)
    code, text = client.data(b"Subject: trop\r\n\r\n" + LINE * (FLUSH_BYTES // len(LINE)))
    assert (code, text[:5]) == (552, b"5.3.4")
    client.quit()
    gateway.idle()
    assert not InboundMessage.objects.exists()
    assert not _files(inbound, ".*.part") and not _files(inbound, "*.eml")
