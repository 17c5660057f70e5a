"""Connections to the gateway are capped per client address and in all (smtp/limits.py),
over real sockets: the connection beyond a cap is answered 421 4.7.0 and closed."""

from __future__ import annotations

import asyncio
import errno
import logging
import smtplib
import socket
import time

import pytest

from mailbridge.smtp import limits
from mailbridge.smtp.limits import ConnectionCounts, Listener
from mailbridge.tests.inbound.support import RunningGateway


def _greeting(port: int) -> tuple[bytes, bool]:
    """What a new connection is told first, and whether the gateway then closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        first = sock.recv(1024)
        sock.settimeout(0.5)
        try:
            closed = sock.recv(1024) == b""
        except TimeoutError:
            closed = False
    return first, closed


def _eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


@pytest.fixture
def running(transactional_db, eager_celery):
    gateways = []

    def start(**options) -> RunningGateway:
        gateways.append(RunningGateway(**options))
        return gateways[-1]

    yield start
    for gateway in gateways:
        gateway.close()


def test_the_connection_beyond_the_cap_per_client_gets_421_4_7_0(running, settings, caplog):
    settings.INTERCOOP_SMTP_MAX_CONNECTIONS_PER_CLIENT = 3
    gateway = running()
    held = [gateway.client() for _ in range(3)]  # greeted 220, and kept open
    try:
        with caplog.at_level(logging.INFO, logger="mailbridge.smtp.limits"):
            first, closed = _greeting(gateway.port)
        assert first.startswith(b"421 4.7.0 ") and first.endswith(b"\r\n")
        assert closed
        assert "connection from 127.0.0.1 refused: 3 connections from your address" in caplog.text
        # One of them leaves: there is room again.
        held.pop().quit()
        assert _eventually(lambda: _greeting(gateway.port)[0].startswith(b"220 "))
        assert held[0].noop()[0] == 250  # those admitted are served all along
    finally:
        for client in held:
            client.quit()


def test_the_connection_beyond_the_cap_in_all_gets_421_4_7_0(running, settings):
    settings.INTERCOOP_SMTP_MAX_CONNECTIONS = 2
    gateway = running()
    held = [gateway.client() for _ in range(2)]
    try:
        first, closed = _greeting(gateway.port)
        assert first.startswith(b"421 4.7.0 ") and closed
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", gateway.port, timeout=10)
        assert refused.value.smtp_code == 421
    finally:
        for client in held:
            client.quit()
    # Connections that end give their place back, however they end.
    dropped = socket.create_connection(("127.0.0.1", gateway.port), timeout=10)
    assert dropped.recv(1024).startswith(b"220 ")
    dropped.close()  # without QUIT
    assert _eventually(lambda: _greeting(gateway.port)[0].startswith(b"220 "))


def test_the_mta_in_front_is_not_capped_per_client(running, settings):
    settings.INTERCOOP_SMTP_MAX_CONNECTIONS_PER_CLIENT = 1
    settings.INTERCOOP_SMTP_TRUSTED_PEERS = ["127.0.0.0/8"]
    gateway = running()
    held = [gateway.client() for _ in range(3)]
    try:
        assert all(client.noop()[0] == 250 for client in held)
    finally:
        for client in held:
            client.quit()


def test_accepting_backs_off_while_the_open_files_are_out(monkeypatch, caplog):
    # asyncio's own accept loop tried again on every turn, logging each failure.
    loop = asyncio.new_event_loop()
    attempts, pauses = [], []
    real_sleep = asyncio.sleep

    async def out_of_files(sock):
        attempts.append(len(attempts))
        if len(attempts) == 10:
            listener.close()
        raise OSError(errno.EMFILE, "Too many open files")

    async def pause(seconds):  # the pauses asked for, without waiting them out
        pauses.append(seconds)
        await real_sleep(0)

    loop.sock_accept = out_of_files
    monkeypatch.setattr(limits.asyncio, "sleep", pause)
    listening = socket.socket()
    listener = Listener([listening], lambda: None, ConnectionCounts(total=10, per_client=10))

    async def run() -> None:
        listener.start()
        await listener.wait_closed()

    try:
        with caplog.at_level(logging.ERROR, logger="mailbridge.smtp.limits"):
            loop.run_until_complete(run())
    finally:
        loop.close()
    # 0.1 s, then twice as long each time, up to 5 s: never a try on every turn.
    assert pauses == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0, 5.0]
    assert caplog.text.count("accepting SMTP connections failed (Too many open files") == 10
    assert "paused 5 s" in caplog.text
    assert listening.fileno() == -1  # closed with the listener
