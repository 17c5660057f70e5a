"""The real gateway on a socket, for tests that talk SMTP to it (docs/architecture.md,
"How the code is written": tests check what a person would).

The gateway runs on its own event loop in a background thread, as beside uvicorn in
`intercoop run`. Its database work (RCPT look-ups, storing) and the processing that
the stored message's task does run in the loop's single executor thread: Celery is
eager here, so `mailbridge.process_inbound` runs where the gateway wakes it, after
the commit, exactly as a worker would run it. Tests wait for that processing before
they read the database (an in-memory SQLite test database shared between threads
has table locks that the busy timeout does not cover), so no two threads ever use
the database at once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections

from mailbridge.inbound import pipeline
from mailbridge.inbound.tasks import inbound_wake
from mailbridge.models import InboundMessage
from mailbridge.smtp.gateway import start_gateway
from mailbridge.smtp.ratelimit import SenderLimiter
from mailbridge.tests.inbound.factories import first_post

logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command otherwise

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inbound"
DOMAIN = "lists.intercoop.test"


def fixture(name: str, **replacements: str) -> bytes:
    """The bytes of fixtures/inbound/<name>, CRLF line ends, with each `KEY` in
    `replacements` replaced (tokens and post ids are made by the test)."""
    data = (FIXTURES / name).read_bytes()
    for key, value in replacements.items():
        data = data.replace(key.encode("ascii"), value.encode("utf-8"))
    return re.sub(rb"\r?\n", b"\r\n", data)


@dataclass
class Conversation:
    """What the gateway answered in one SMTP transaction."""

    rcpt: dict[str, tuple[int, str]] = field(default_factory=dict)
    data: tuple[int, str] | None = None

    @property
    def inbound_id(self) -> int | None:
        if self.data is None or self.data[0] != 250:
            return None
        match = re.search(r"queued as (\d+)", self.data[1])
        return int(match.group(1)) if match else None

    def message(self) -> InboundMessage:
        return InboundMessage.objects.get(pk=self.inbound_id)


class RunningGateway:
    def __init__(
        self,
        *,
        limiter: SenderLimiter | None = None,
        max_size: int | None = None,
        connections=None,
    ):
        self.processed: set[int] = set()
        self.condition = threading.Condition()
        self.loop = asyncio.new_event_loop()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-db")
        self.loop.set_default_executor(self.executor)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        limiter = limiter or SenderLimiter(per_sender=None, per_peer=None)
        self.server = asyncio.run_coroutine_threadsafe(
            start_gateway(
                host="127.0.0.1",
                port=0,
                hostname="gateway.test",
                max_size=max_size,
                wake=self._wake,
                limiter=limiter,
                executor=self.executor,
                **({"connections": connections} if connections is not None else {}),
            ),
            self.loop,
        ).result(timeout=10)
        self.port = self.server.sockets[0].getsockname()[1]

    def _wake(self, ids: list[int]) -> None:
        try:
            inbound_wake(ids)  # eager Celery: the task runs here, now
        finally:
            with self.condition:
                self.processed.update(ids)
                self.condition.notify_all()

    def wait(self, inbound_ids: Iterable[int | None], timeout: float = 30) -> None:
        wanted = {pk for pk in inbound_ids if pk is not None}
        with self.condition:
            if not self.condition.wait_for(lambda: wanted <= self.processed, timeout=timeout):
                raise AssertionError(f"messages {wanted - self.processed} were not processed")

    def idle(self) -> None:
        """Wait until the executor thread has finished everything queued so far."""
        self.executor.submit(lambda: None).result(timeout=30)

    def client(self) -> smtplib.SMTP:
        client = smtplib.SMTP("127.0.0.1", self.port, timeout=30)
        client.ehlo("client.exemple.org")
        return client

    def send(
        self,
        data: bytes,
        *,
        mail_from: str,
        rcpt_tos: list[str],
        client: smtplib.SMTP | None = None,
        wait: bool = True,
    ) -> Conversation:
        """One SMTP transaction; waits for the stored message to be processed."""
        own = client is None
        client = client or self.client()
        conversation = Conversation()
        try:
            code, text = client.mail(mail_from)
            assert code == 250, (code, text)
            for address in rcpt_tos:
                code, text = client.rcpt(address)
                conversation.rcpt[address] = (code, text.decode("utf-8", "replace"))
            if any(code == 250 for code, _text in conversation.rcpt.values()):
                code, text = client.data(data)
                conversation.data = (code, text.decode("utf-8", "replace"))
            else:
                client.rset()
        finally:
            if own:
                client.quit()
        if wait and conversation.inbound_id is not None:
            self.wait([conversation.inbound_id])
        return conversation

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=10)
        self.idle()
        self.executor.submit(connections.close_all).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.executor.shutdown(wait=True)
        self.loop.close()


def store_by_hand(raw: bytes, *, mail_from: str, rcpt_tos: list[str]) -> InboundMessage:
    """A message as the gateway would have stored it, without a wake-up (what a crash
    between the 250 and the task leaves behind)."""
    from django.utils import timezone

    return InboundMessage.objects.create(
        raw=raw,
        size=len(raw),
        mail_from=mail_from,
        rcpt_tos=rcpt_tos,
        peer="127.0.0.1",
        received_at=timezone.now(),
    )


def step_replaced(monkeypatch, name: str, run: Callable) -> Callable:
    """The pipeline runs `run(ctx)` in place of its step `name` for the rest of the
    test; returns the step replaced, for `run` to call."""
    replaced = next(step.run for step in pipeline.STEPS if step.name == name)
    steps = tuple(pipeline.Step(s.name, run if s.name == name else s.run) for s in pipeline.STEPS)
    monkeypatch.setattr(pipeline, "STEPS", steps)
    return replaced


def answering_another_thread(monkeypatch, scene, inbound_ids=None):
    """A bug of ours before create_post: the post answered is put in another thread
    than the one the reply goes to, which the forum refuses (UserError "reply")."""
    elsewhere = first_post(scene.board, scene.paul, title="Un autre fil")

    def misplaced(ctx):
        outcome = real(ctx)
        if inbound_ids is None or ctx.inbound_id in inbound_ids:
            ctx.parent = elsewhere
        return outcome

    real = step_replaced(monkeypatch, "attachments", misplaced)
