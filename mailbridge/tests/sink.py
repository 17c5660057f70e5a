"""A real SMTP server that keeps (or only counts) what it is sent: the tests' relay.

`SmtpSink` runs aiosmtpd on its own event loop in a thread, on a free port (or a
given one, to come back up where a "relay down" test left it). A `script` decides
the reply to each message (e.g. 451 once, then 250). `python -m
mailbridge.tests.sink --port N` runs a counting-only sink as its own process, for
the benchmark and the kill test: it prints its counts as JSON when asked on stdin.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from aiosmtpd.smtp import SMTP

logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command otherwise


@dataclass(frozen=True)
class Received:
    mail_from: str
    recipients: tuple[str, ...]
    data: bytes


class SinkHandler:
    """Keeps every message accepted; `script(recipient, attempt) -> reply or None`
    answers DATA otherwise (None or a 2xx means accept), `rcpt_script(address)`
    answers RCPT TO otherwise."""

    def __init__(
        self,
        *,
        script: Callable[[str, int], str | None] | None = None,
        rcpt_script: Callable[[str], str | None] | None = None,
        keep: bool = True,
        delay: float = 0.0,
    ):
        self.script = script
        self.rcpt_script = rcpt_script
        self.keep = keep
        self.delay = delay
        self.received: list[Received] = []
        self.per_recipient: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self.count = 0
        self.signed = 0  # messages that arrived with a DKIM-Signature on top
        self.last_accepted_at = 0.0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_script(address) if self.rcpt_script else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.attempts[recipient] += 1
            attempt = self.attempts[recipient]
        reply = self.script(recipient, attempt) if self.script else None
        if reply and not reply.startswith("2"):
            return reply
        with self.lock:
            self.count += 1
            self.signed += envelope.original_content.startswith(b"DKIM-Signature:")
            self.last_accepted_at = time.time()
            for address in envelope.rcpt_tos:
                self.per_recipient[address] += 1
            if self.keep:
                self.received.append(
                    Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content)
                )
        return "250 2.0.0 OK: queued"


def _new_loop() -> asyncio.AbstractEventLoop:
    try:  # uvloop (installed with uvicorn[standard]) halves aiosmtpd's latency
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class SmtpSink:
    """An aiosmtpd server in a background thread; `with SmtpSink() as sink:`."""

    def __init__(self, handler: SinkHandler | None = None, *, port: int = 0, **smtp_options):
        self.handler = handler or SinkHandler()
        self.port = port
        self.smtp_options = smtp_options  # e.g. authenticator=…, auth_require_tls=False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server = None
        self.thread: threading.Thread | None = None

    def start(self) -> SmtpSink:
        self.loop = _new_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="smtp-sink", daemon=True)
        self.thread.start()

        def factory():
            return SMTP(
                self.handler,
                hostname="sink.test",
                ident="test sink",
                enable_SMTPUTF8=True,
                **self.smtp_options,
            )

        async def serve():
            return await self.loop.create_server(
                factory, "127.0.0.1", self.port, reuse_address=True
            )

        self.server = asyncio.run_coroutine_threadsafe(serve(), self.loop).result(timeout=10)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self.loop is None:
            return

        async def close():
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
        self.loop = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def wait_for(self, count: int, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.handler.count >= count:
                return True
            time.sleep(0.01)
        return self.handler.count >= count


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    """A counting sink as a process: prints "ready <port>", then on each line read
    from stdin prints {"count", "signed", "distinct", "last_accepted_at",
    "max_per_recipient"}."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per message")
    args = parser.parse_args()
    handler = SinkHandler(keep=False, delay=args.delay)
    sink = SmtpSink(handler, port=args.port).start()
    print(f"ready {sink.port}", flush=True)
    for _line in sys.stdin:
        with handler.lock:
            report = {
                "count": handler.count,
                "signed": handler.signed,
                "distinct": len(handler.per_recipient),
                "last_accepted_at": handler.last_accepted_at,
                "max_per_recipient": max(handler.per_recipient.values(), default=0),
            }
        print(json.dumps(report), flush=True)
    sink.stop()


if __name__ == "__main__":
    main()
