"""The aiosmtpd handler: cheap checks at RCPT; mail intake arrives with issue 6.

For now the gateway answers EHLO, knows which addresses exist, and accepts no
message: an unknown address gets 550 5.1.1, a real list address 451 4.3.2 so that
the sender's server keeps the message and retries (nothing is lost).
"""

from __future__ import annotations

import asyncio
import logging
import socket

from aiosmtpd.smtp import SMTP, Envelope, Session
from channels.db import database_sync_to_async

from mailbridge.addresses import AddressKind, parse_address
from mailbridge.smtp.replies import Reply

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 25 * 1024 * 1024


def in_thread(func):
    """Run an ORM call in a worker thread, off the event loop (design.md, "Known
    traps"), and tidy that thread's database connection around it as Django does
    around a request: a connection past CONN_MAX_AGE, or broken by a database
    restart, is closed instead of failing every later RCPT with 451."""
    return database_sync_to_async(func, thread_sensitive=False)


def _list_exists(slug: str) -> bool:
    from forum.models import Session as ForumSession

    return ForumSession.objects.filter(slug=slug).exists()


class GatewayHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address, options
    ):
        try:
            parsed = parse_address(address)
            known = parsed.kind is not AddressKind.UNKNOWN and (
                parsed.kind
                not in (AddressKind.LIST, AddressKind.SUBSCRIBE, AddressKind.UNSUBSCRIBE)
                or await in_thread(_list_exists)(parsed.slug)
            )
        except Exception:
            logger.exception("RCPT check failed for %r", address)
            return Reply.TEMPORARY_FAILURE.line()
        if not known:
            logger.info("RCPT refused, unknown address %r from %s", address, session.peer)
            return Reply.UNKNOWN_ADDRESS.line(address)
        logger.info("RCPT deferred, %r does not take mail yet", address)
        return Reply.NOT_ACCEPTING_YET.line()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope):
        # Unreachable while every RCPT is refused; kept honest rather than silent.
        return Reply.NOT_ACCEPTING_YET.line()


def smtp_factory(*, hostname: str | None = None, max_size: int = DEFAULT_MAX_SIZE):
    handler = GatewayHandler()
    # aiosmtpd would call socket.getfqdn() for every connection, a DNS lookup that
    # blocks the event loop (web and websockets too in `intercoop run`): once here.
    hostname = hostname or socket.getfqdn()

    def factory() -> SMTP:
        return SMTP(
            handler,
            hostname=hostname,
            data_size_limit=max_size,
            enable_SMTPUTF8=True,
            ident="Intercoop gateway",
        )

    return factory


async def start_gateway(*, host: str, port: int, hostname: str | None = None) -> asyncio.Server:
    """Listen for SMTP on the running event loop; the caller closes the server."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(smtp_factory(hostname=hostname), host=host, port=port)
