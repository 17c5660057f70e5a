"""The SMTP gateway: a thin aiosmtpd handler (docs/architecture.md, "How the code is
written": it holds the SMTP conversation, and everything else happens after the 250).

- Connection: at most INTERCOOP_SMTP_MAX_CONNECTIONS_PER_CLIENT per client address
  and INTERCOOP_SMTP_MAX_CONNECTIONS in all, 421 4.7.0 beyond, accepted by a loop of
  our own that backs off when the process runs out of files (smtp/limits.py).
- RCPT: the address must be one of ours (docs/fixed-points.md, "Mail addresses"): an
  unknown address or list gets 550 5.1.1, a reply+/bounces+ address with a forged or
  damaged token 550 5.7.1; then a sender or client whose window of accepted messages is full gets
  452 4.7.1 (smtp/ratelimit.py: messages count once stored); at most
  INTERCOOP_SMTP_MAX_RECIPIENTS recipients per message (452 4.5.3).
- DATA: read into one buffer after a Received trace header of ours (RFC 5321 §4.4),
  and into the message's file as it arrives once over INTERCOOP_INBOUND_FILE_BYTES
  (smtp/spool.py); over INTERCOOP_SMTP_MAX_BYTES (default 25 MB) we answer 552 5.3.4
  (also at MAIL FROM when the client announces SIZE=). Otherwise the message is stored with
  its envelope, off the event loop (smtp/intake.py: the gateway's database thread,
  group commit), and 250 is
  answered only once its row is committed. Then, after the commit, a Celery task
  `mailbridge.process_inbound(id)` is woken: everything else happens there
  (mailbridge/inbound/pipeline.py). The stored row is the record of what was
  accepted (id, client, envelope, size, time): the log says it again at DEBUG only,
  refusals and failures at INFO and above, their addresses redacted unless the log
  is at DEBUG (mailbridge/redaction.py).
- STARTTLS when INTERCOOP_SMTP_TLS_CERT and INTERCOOP_SMTP_TLS_KEY are set.
- Any unexpected exception answers 451 4.3.0 (the sender retries; nothing is lost),
  never a 500, and the conversation goes on. Every refusal is logged with its reason.
"""

from __future__ import annotations

import atexit
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from email.utils import format_datetime

from aiosmtpd.smtp import SMTP, Envelope, Session, syntax
from django.conf import settings
from django.utils import timezone

from mailbridge.inbound.errors import MessageRefused
from mailbridge.inbound.reasons import Reason
from mailbridge.redaction import redact
from mailbridge.smtp.data_budget import DataBudget, data_within_budget
from mailbridge.smtp.intake import AddressBook, Arrival, DatabaseThread, IntakeStore
from mailbridge.smtp.limits import ConnectionCounts, Listener, listen
from mailbridge.smtp.ratelimit import (
    SenderLimiter,
    allowance_note,
    message_allowance,
    recipient_allowance,
)
from mailbridge.smtp.replies import AIOSMTPD_REPLIES
from mailbridge.smtp.spool import Spool, data_receive

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 25 * 1024 * 1024
# The replies of every accepted message, made once.
RECIPIENT_OK = Reason.RECIPIENT_OK.line()
STORED_AS = Reason.STORED.line("queued as ")
COALESCE_SECONDS = 0.05
__all__ = ["GatewayHandler", "GatewaySMTP", "smtp_factory", "start_gateway"]


def _peer_ip(session: Session) -> str:
    peer = session.peer
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer or "")


def _printable(text: str, limit: int = 200) -> str:
    return "".join(c if "!" <= c <= "~" else "" for c in (text or ""))[:limit]


def trace_header(session: Session, envelope: Envelope, hostname: str) -> bytes:
    """The Received header we add (RFC 5321 §4.4, RFC 5322 §3.6.7)."""
    helo = _printable(session.host_name) or "unknown"
    protocol = "ESMTPS" if getattr(session, "ssl", None) else "ESMTP"
    recipient = (
        f"\r\n\tfor <{_printable(envelope.rcpt_tos[0], 300)}>"
        if len(envelope.rcpt_tos) == 1
        else ""
    )
    header = (
        f"Received: from {helo} ([{_printable(_peer_ip(session), 64)}])\r\n"
        f"\tby {_printable(hostname)} (Intercoop gateway) with {protocol}{recipient};\r\n"
        f"\t{format_datetime(timezone.now())}\r\n"
    )
    return header.encode("ascii")


# An address as nearly every client writes it in MAIL FROM and RCPT TO: <dot-atom@
# dot-atom>, in ASCII (RFC 5321 §4.1.2).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"[ \t]*<({_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*)>")


class GatewaySMTP(SMTP):
    """aiosmtpd's protocol, answering its own fixed refusals from our table."""

    # RFC 5321 allows 1000 octets per line; sloppy generators send longer lines of
    # HTML or unwrapped base64, which an MTA in front would have accepted.
    line_length_limit = 16 * 1024
    # Called once when the connection ends (smtp/limits.py counts open connections).
    on_close: Callable[[], None] | None = None

    def connection_lost(self, error) -> None:
        try:
            super().connection_lost(error)
        finally:
            if self.on_close is not None:
                self.on_close()

    def _getaddr(self, arg: str):
        """aiosmtpd's parse of a command's address, (address, rest), with a fast path
        for a plain <local@domain>: its general parser (Python's RFC 5322 header
        parser, and a typing class made on every call) is costly at MAIL and again at
        RCPT (docs/benchmarks.md, "Costs behind the code"). Anything else (quoted
        local parts, comments, domain literals, non-ASCII) goes to the parser;
        the results are the same (mailbridge/tests/smtp/test_gateway.py)."""
        match = _PLAIN_ADDRESS.match(arg)
        if match is None:
            return super()._getaddr(arg)
        address, rest = match.group(1), arg[match.end() :]
        if rest[:1] in (" ", "\t"):  # the parser skips the whitespace after ">"…
            rest = rest.lstrip()
        if rest[:1] == "(":  # …and comments, which it alone reads
            return super()._getaddr(arg)
        if self.local_part_limit and address.rindex("@") > self.local_part_limit:
            return None, None
        return address, rest

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        """DATA within a reservation of its bytes (smtp/data_budget.py)."""
        await data_within_budget(self, arg, self._data)

    async def _data(self, arg: str) -> None:
        """aiosmtpd's DATA, the message spooled as it arrives (smtp/spool.py)."""
        await data_receive(
            self, arg, lambda: trace_header(self.session, self.envelope, self.hostname)
        )

    def push(self, status):
        # Not a coroutine of its own: the one of SMTP.push is returned to be awaited
        # (five replies a message).
        if isinstance(status, str):
            reason = AIOSMTPD_REPLIES.get(status)
            if reason is not None:
                logger.info(
                    "refused %s from %s (MAIL FROM %r): %s",
                    "message" if reason is Reason.TOO_BIG else "line",
                    _peer_ip(self.session) if self.session else "?",
                    redact(getattr(self.envelope, "mail_from", None), logger),
                    reason.value,
                )
                status = reason.line()
        return super().push(status)


class GatewayHandler:
    def __init__(
        self,
        *,
        store: IntakeStore,
        addresses: AddressBook | None = None,
        limiter: SenderLimiter | None = None,
        max_recipients: int = 20,
        budget: DataBudget | None = None,
    ):
        self.store = store
        self.addresses = addresses or AddressBook()
        self.limiter = limiter
        self.max_recipients = max_recipients
        self.budget = budget
        self.file_bytes = settings.INTERCOOP_INBOUND_FILE_BYTES

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options
    ):
        try:
            if len(envelope.rcpt_tos) >= self.max_recipients:
                return self._refuse(Reason.TOO_MANY_RECIPIENTS, session, envelope, address)
            try:
                token = await self.addresses.check(address)
            except MessageRefused as refused:
                return self._refuse(
                    refused.reason, session, envelope, address, refused.detail, echo=address
                )
            if self.limiter is not None:
                # Only a look: a message counts once stored (smtp/ratelimit.py).
                allowance = recipient_allowance(envelope.mail_from or "", _peer_ip(session), token)
                if over := await self.limiter.check(allowance):
                    return self._refuse(Reason.RATE_LIMITED, session, envelope, address, over)
        except Exception:
            logger.exception("RCPT check failed for %r", redact(address, logger))
            return Reason.TEMPORARY_FAILURE.line()
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        allowance_note(envelope, token)
        return RECIPIENT_OK

    def _refuse(self, reason, session, envelope, address, detail="", *, echo="") -> str:
        logger.info(
            "RCPT refused, %s %r from %s (MAIL FROM %r)%s",
            reason.value.replace("_", " "),
            redact(address, logger),
            _peer_ip(session),
            redact(envelope.mail_from, logger),
            f": {detail}" if detail and detail != address else "",
        )
        return reason.line(echo)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope):
        allowance = message_allowance(envelope, _peer_ip(session))
        try:
            # A look again: the window may have filled since RCPT.
            if self.limiter is not None and (over := await self.limiter.check(allowance)):
                logger.info("DATA refused from %s: %s", allowance.peer_ip, over)
                return Reason.RATE_LIMITED.line(over)
            spool: Spool = envelope.spool
            arrival = Arrival(
                raw=b"",
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                peer=_peer_ip(session),
                helo=session.host_name or "",
                received_at=timezone.now(),
                size=spool.size,
            )
            if spool.on_disk:  # a file, durable before the row (raw_files.py)
                arrival.raw_file = await spool.keep()
            else:
                arrival.raw = spool.content()
            inbound_id = await self.store.store(arrival)
        except Exception:
            logger.exception(
                "DATA from %s (MAIL FROM %r) not stored; answered 451",
                _peer_ip(session),
                redact(envelope.mail_from, logger),
            )
            return Reason.TEMPORARY_FAILURE.line()
        if self.limiter is not None:
            await self.limiter.count(allowance)  # never raises
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "stored message %s from %s (MAIL FROM %r) for %s, %d bytes",
                inbound_id,
                arrival.peer,
                envelope.mail_from,
                ", ".join(envelope.rcpt_tos),
                arrival.total_size,
            )
        return STORED_AS + str(inbound_id)

    async def handle_exception(self, error: Exception) -> str:
        logger.error("SMTP session error, answered 451", exc_info=error)
        return Reason.TEMPORARY_FAILURE.line()


def tls_context() -> ssl.SSLContext | None:
    """The STARTTLS context when a certificate and its key are configured."""
    cert, key = settings.INTERCOOP_SMTP_TLS_CERT, settings.INTERCOOP_SMTP_TLS_KEY
    if not (cert and key):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class Waker:
    """Hands stored messages to the workers from one thread of its own, coalescing:
    the ids stored while it publishes go out together next time, as
    `process_inbound_many` chunks (a published task costs the gateway about as much
    CPU as receiving a message: docs/benchmarks.md, "Costs behind the code"). It is
    called from the database thread right after each commit, so it only notes the
    ids. A gateway that stops hands over what it still holds (`flush`, also at
    interpreter exit); after a crash the sweeper and the next start find those
    messages again."""

    def __init__(self, wake: Callable[[list[int]], object]):
        self.wake = wake
        self.pending: list[int] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.thread: threading.Thread | None = None
        atexit.register(self.flush)

    def flush(self) -> None:
        with self.lock:
            ids, self.pending = self.pending, []
        if ids:
            self._publish(ids)

    def _publish(self, ids: list[int]) -> None:
        try:
            self.wake(ids)
        except Exception:  # never the waker's end: the sweeper catches up
            logger.exception("waking the workers for %d message(s) failed", len(ids))

    def __call__(self, ids: list[int]) -> None:
        with self.lock:
            self.pending.extend(ids)
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="inbound-waker", daemon=True)
                self.thread.start()
        self.ready.set()

    def _run(self) -> None:
        while True:
            self.ready.wait()
            time.sleep(COALESCE_SECONDS)  # let the messages arriving meanwhile join
            self.ready.clear()
            self.flush()


def _inbound_wake(ids: list[int]) -> None:
    from mailbridge.inbound.tasks import inbound_wake

    inbound_wake(ids)


def _default_wake() -> Waker:
    return Waker(_inbound_wake)


def smtp_factory(
    *,
    hostname: str | None = None,
    max_size: int | None = None,
    wake: Callable[[list[int]], object] | None = None,
    limiter: SenderLimiter | None = None,
    executor: Executor | None = None,
):
    database = DatabaseThread(executor)
    handler = GatewayHandler(
        store=IntakeStore(wake=wake or _default_wake(), database=database),
        addresses=AddressBook(database),
        limiter=limiter if limiter is not None else SenderLimiter.from_settings(),
        max_recipients=settings.INTERCOOP_SMTP_MAX_RECIPIENTS,
        budget=DataBudget(
            settings.INTERCOOP_SMTP_DATA_BUDGET_BYTES, large=settings.INTERCOOP_INBOUND_FILE_BYTES
        ),
    )
    # aiosmtpd would call socket.getfqdn() for every connection, a DNS lookup that
    # blocks the event loop (web and websockets too in `intercoop run`): once here.
    hostname = hostname or socket.getfqdn()
    size = max_size or settings.INTERCOOP_SMTP_MAX_BYTES
    context = tls_context()

    def factory() -> SMTP:
        return GatewaySMTP(
            handler,
            hostname=hostname,
            data_size_limit=size,
            enable_SMTPUTF8=True,
            ident="Intercoop gateway",
            tls_context=context,
        )

    return factory


async def start_gateway(
    *,
    host: str,
    port: int,
    hostname: str | None = None,
    max_size: int | None = None,
    wake: Callable[[list[int]], object] | None = None,
    limiter: SenderLimiter | None = None,
    executor: Executor | None = None,
    connections: ConnectionCounts | None = None,
) -> Listener:
    """Listen for SMTP on the running event loop; the caller closes the listener
    (`close()`, `await wait_closed()`). The gateway's database work runs in
    `executor` (one thread), by default a thread of its own. At most `connections`
    open at once (smtp/limits.py; by default from the settings)."""
    factory = smtp_factory(
        hostname=hostname, max_size=max_size, wake=wake, limiter=limiter, executor=executor
    )
    return await listen(host, port, factory, connections or ConnectionCounts.from_settings())
