"""How many SMTP connections the gateway holds, and the accept loop that sees to it.

Each open connection holds a file descriptor for as long as the client keeps it
(aiosmtpd waits 5 minutes for a command). A flood of idle connections once used up
the process's open files: asyncio's accept loop then failed on every turn and
logged each failure with its traceback until the disk was full. So:

- at most INTERCOOP_SMTP_MAX_CONNECTIONS_PER_CLIENT connections per client address
  (clients in INTERCOOP_SMTP_TRUSTED_PEERS, the MTA in front, exempt) and
  INTERCOOP_SMTP_MAX_CONNECTIONS in all: beyond, the connection is answered
  `421 4.7.0` and closed at once, before any protocol is built for it. The total is
  kept under the open-file limit (raised to the hard limit when it allows), with
  room left for the database, Redis and log files;
- the gateway accepts with a loop of its own (`Listener`), not the event loop's
  server: when accepting fails for want of resources (EMFILE, ENFILE, ENOBUFS,
  ENOMEM) it waits, 0.1 s then twice as long each time up to 5 s, instead of trying
  again on the next turn, and says so in one line (config/log_repeats.py keeps
  repeats of it to one line a minute with a count).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Callable

from django.conf import settings

from mailbridge.inbound.reasons import Reason
from mailbridge.smtp.ratelimit import in_networks, trusted_networks

logger = logging.getLogger(__name__)

# File descriptors kept for everything but SMTP connections: the database and Redis
# connections, the listening sockets, log and data files, the event loop's own.
RESERVED_FILES = 64
BACKLOG = 512
BACKOFF_FIRST, BACKOFF_MAX = 0.1, 5.0
# A client that left before its connection was accepted, or a firewall's refusal: the
# next connection may be fine.
ONE_CONNECTION = frozenset({errno.ECONNABORTED, errno.ECONNRESET, errno.EPROTO, errno.EPERM})
# The listening socket itself is gone: nothing more to accept on it.
NOT_LISTENING = frozenset({errno.EBADF, errno.EINVAL, errno.ENOTSOCK})


def open_files_allow(wanted: int) -> int:
    """How many connections the open-file limit allows, at most `wanted`: the soft
    limit is raised towards the hard one when `wanted` needs it."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not a POSIX system
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    allowed = max(1, min(wanted, soft - RESERVED_FILES))
    if allowed < wanted:
        logger.warning(
            "the open-file limit (%d) allows %d SMTP connections, not %d", soft, allowed, wanted
        )
    return allowed


class ConnectionCounts:
    """Open connections, in all and per client address."""

    def __init__(self, *, total: int, per_client: int, trusted_peers: list | None = None):
        self.total = total
        self.per_client = per_client
        self.trusted = trusted_peers or []
        self.open = 0
        self._per_client: dict[str, int] = {}

    @classmethod
    def from_settings(cls) -> ConnectionCounts:
        return cls(
            total=open_files_allow(settings.INTERCOOP_SMTP_MAX_CONNECTIONS),
            per_client=settings.INTERCOOP_SMTP_MAX_CONNECTIONS_PER_CLIENT,
            trusted_peers=trusted_networks(settings.INTERCOOP_SMTP_TRUSTED_PEERS),
        )

    def admit(self, ip: str) -> str:
        """Count a new connection from `ip`: "" when admitted, else why not."""
        if self.open >= self.total:
            return f"{self.open} connections open"
        count = self._per_client.get(ip, 0)
        if count >= self.per_client and not in_networks(ip, self.trusted):
            return f"{count} connections from your address"
        self.open += 1
        self._per_client[ip] = count + 1
        return ""

    def release(self, ip: str) -> None:
        self.open -= 1
        count = self._per_client.pop(ip, 0) - 1
        if count > 0:
            self._per_client[ip] = count


def _peer_ip(address) -> str:
    return str(address[0]) if isinstance(address, tuple) and address else ""


def listening_sockets(host: str, port: int) -> list[socket.socket]:
    """Bound, listening, non-blocking sockets for every address of `host`, as the
    event loop's create_server makes them."""
    sockets = []
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    try:
        for family, kind, proto, _name, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
            sock.setblocking(False)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Listener:
    """The gateway's listening sockets and their accept loops; closed as an
    asyncio.Server is (`close()`, then `await wait_closed()`)."""

    def __init__(self, sockets: list[socket.socket], factory: Callable, counts: ConnectionCounts):
        self.sockets = sockets
        self.factory = factory
        self.counts = counts
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._accept(sock)) for sock in self.sockets]

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def wait_closed(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for sock in self.sockets:
            sock.close()

    async def _accept(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        pause = 0.0
        while True:
            try:
                connection, address = await loop.sock_accept(sock)
            except OSError as exc:
                if exc.errno in ONE_CONNECTION:
                    continue
                if exc.errno in NOT_LISTENING:
                    logger.error("SMTP listening socket unusable, no longer accepting: %s", exc)
                    return
                # Out of files, buffers or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), or
                # anything unforeseen: wait before trying again, never on every turn.
                pause = min(BACKOFF_MAX, pause * 2 or BACKOFF_FIRST)
                logger.error(
                    "accepting SMTP connections failed (%s, %d open): paused %g s",
                    exc.strerror or exc,
                    self.counts.open,
                    pause,
                )
                await asyncio.sleep(pause)
                continue
            pause = 0.0
            await self._serve(loop, connection, _peer_ip(address))

    async def _serve(self, loop, connection: socket.socket, ip: str) -> None:
        refusal = self.counts.admit(ip)
        if refusal:
            _refuse(connection, ip, refusal)
            return
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.counts.release(ip)

        try:
            connection.setblocking(False)
            protocol = self.factory()
            protocol.on_close = release
            await loop.connect_accepted_socket(lambda: protocol, connection)
        except Exception:
            logger.exception("serving an SMTP connection from %s failed", ip)
            release()
            connection.close()


def _refuse(connection: socket.socket, ip: str, why: str) -> None:
    """421 and close, without building a protocol (RFC 5321 §3.1: a server may
    refuse a connection with a 421 greeting)."""
    logger.info("connection from %s refused: %s", ip, why)
    line = Reason.TOO_MANY_CONNECTIONS.line() + "\r\n"
    try:
        connection.setblocking(False)
        connection.send(line.encode("ascii"))  # a short line: the send buffer takes it
    except OSError:
        pass
    finally:
        connection.close()


async def listen(host: str, port: int, factory: Callable, counts: ConnectionCounts) -> Listener:
    listener = Listener(listening_sockets(host, port), factory, counts)
    listener.start()
    return listener
