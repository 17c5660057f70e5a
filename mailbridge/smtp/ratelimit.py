"""Per-sender and per-client rate limits of accepted messages (rates written and
parsed with the `limits` library).

Two sliding windows (INTERCOOP_SMTP_RATE_LIMIT, default "30/10 minutes"): one per
envelope sender (MAIL FROM, lowercased), one per client IP address
(INTERCOOP_SMTP_PEER_RATE_LIMIT). A message counts once it is stored (`count`,
after DATA); RCPT and the end of DATA only look (`check`) and answer 452 4.7.1
when a window is full. Counting at RCPT let anyone throttle a member: recipients
announced under their address, with no message ever sent, used up their window.

The envelope sender proves nothing, so a message whose recipients are all valid
reply tokens (`reply+<token>@`, signed for one person) draws on an allowance of its
own, per token owner and per client (`Allowance.reply_owner`): a stranger typing a
member's address cannot use up the member's replies, since they do not have the
member's tokens. The null sender (bounces) is counted per client only. Clients in
INTERCOOP_SMTP_TRUSTED_PEERS (the MTA in front of the gateway, which relays
everyone's mail from one address) are not limited per client. Between a look and
the count, the other messages of the same sender being stored at that moment can
pass too: a window can be exceeded by those few.

The counting is limits' sliding window counter (the current and previous windows'
counts, the previous one weighted by the share of it still inside the sliding
window), kept in the gateway's memory by `WindowCounts`: one `intercoop smtp`
process serves an installation, and keeping counts there costs microseconds where
a Redis round trip per message was a visible share of the gateway's CPU. Not limits'
own MemoryStorage: after every hit it starts a task that sweeps all its counters, a
cost that grows with the number of senders (both measured: docs/benchmarks.md,
"Costs behind the code"); `WindowCounts` forgets the windows that have ended once a
minute. Its moving window, which keeps every hit, cost more still.
Several gateway processes would each count on their own; pass a limits storage
(`limits.aio.storage.RedisStorage`) to share the counts. A limiter whose storage
fails lets mail through and says so in the log: refusing all mail because a
counter store restarts would be worse than a few messages over the limit.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from math import floor

from django.conf import settings
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0


class WindowCounts:
    """Sliding window counters in memory, counted as limits' sliding window counter
    counts (SlidingWindowCounterRateLimiter): a hit is allowed while
    floor(previous x remaining share of the window + current) + 1 <= the limit, and
    only an allowed hit counts."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        # (period in seconds, key) -> [window number, its count, the previous window's]
        self._counts: dict[tuple[int, str], list[int]] = {}
        self._next_sweep = 0.0

    def hit(self, item: RateLimitItem, key: str) -> bool:
        now = self.clock()
        if now >= self._next_sweep:
            self._sweep(now)
        period = item.get_expiry()
        window = int(now // period)
        counts = self._counts.get((period, key))
        if counts is None:
            counts = self._counts[(period, key)] = [window, 0, 0]
        elif counts[0] != window:
            counts[2] = counts[1] if counts[0] == window - 1 else 0
            counts[0], counts[1] = window, 0
        remaining = (window + 1) * period - now
        if floor(counts[2] * remaining / period + counts[1]) + 1 > item.amount:
            return False
        counts[1] += 1
        return True

    def test(self, item: RateLimitItem, key: str) -> bool:
        """Whether a hit would be allowed now; counts nothing."""
        now = self.clock()
        period = item.get_expiry()
        window = int(now // period)
        current = previous = 0
        counts = self._counts.get((period, key))
        if counts is not None and counts[0] == window:
            current, previous = counts[1], counts[2]
        elif counts is not None and counts[0] == window - 1:
            previous = counts[1]
        remaining = (window + 1) * period - now
        return floor(previous * remaining / period + current) + 1 <= item.amount

    def __len__(self) -> int:
        return len(self._counts)

    def _sweep(self, now: float) -> None:
        """Forget the counters whose windows no longer count (two windows old)."""
        self._next_sweep = now + SWEEP_SECONDS
        ended = [
            name
            for name, (window, _current, _previous) in self._counts.items()
            if window < int(now // name[0]) - 1
        ]
        for name in ended:
            del self._counts[name]


def rate(value: str) -> RateLimitItem | None:
    """ "30/10 minutes" → a RateLimitItem; "" or "0" → None (no limit)."""
    value = (value or "").strip()
    if value in ("", "0", "off", "none"):
        return None
    return parse(value)


def trusted_networks(values) -> list:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def in_networks(ip: str, networks: list) -> bool:
    """Whether the address `ip` is in one of `networks`; False when it is no address."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in networks)


@dataclass(frozen=True)
class Allowance:
    """Whose windows a message draws on: its envelope sender ("" for the null
    sender) and client; for a reply carrying a valid token, the token's owner; for
    mail to a bridge (`bridge+<network-slug>@`), the bridge."""

    mail_from: str
    peer_ip: str
    reply_owner: int | None = None
    bridge: str | None = None


@dataclass(frozen=True)
class BridgeMark:
    """An accepted recipient that is a bridge to a network's own list."""

    slug: str


def allowance_note(envelope, token) -> None:
    """Remember on the SMTP transaction what its accepted recipient was: a reply
    address (`token`, verified), a bridge (a BridgeMark) or anything else (None)."""
    if token is None:
        envelope.intercoop_plain = True
    elif isinstance(token, BridgeMark):
        if getattr(envelope, "intercoop_bridge", None) is None:
            envelope.intercoop_bridge = token.slug
    elif getattr(envelope, "intercoop_reply_owner", None) is None:
        envelope.intercoop_reply_owner = token.user_id


def message_allowance(envelope, peer_ip: str) -> Allowance:
    """The allowance of the message: its token owner's when every recipient was a
    reply address, its bridge's when every one was a bridge, else its sender's."""
    mail_from = envelope.mail_from or ""
    if getattr(envelope, "intercoop_plain", False):
        return Allowance(mail_from, peer_ip)
    owner = getattr(envelope, "intercoop_reply_owner", None)
    bridge = getattr(envelope, "intercoop_bridge", None)
    if bridge is not None:
        return (
            Allowance(mail_from, peer_ip, bridge=bridge)
            if owner is None
            else Allowance(mail_from, peer_ip)
        )
    return Allowance(mail_from, peer_ip, owner)


def recipient_allowance(mail_from: str, peer_ip: str, token) -> Allowance:
    """The allowance one accepted recipient would draw on (RCPT's look)."""
    if isinstance(token, BridgeMark):
        return Allowance(mail_from, peer_ip, bridge=token.slug)
    return Allowance(mail_from, peer_ip, token.user_id if token is not None else None)


class SenderLimiter:
    def __init__(
        self,
        *,
        per_sender: RateLimitItem | None,
        per_peer: RateLimitItem | None,
        trusted_peers: list | None = None,
        storage: Storage | None = None,
        per_bridge: RateLimitItem | None = None,
    ):
        self.per_sender = per_sender
        self.per_peer = per_peer
        self.per_bridge = per_bridge
        self.trusted = trusted_peers or []
        self._storage = storage
        self._counts = WindowCounts()
        self._limiter: SlidingWindowCounterRateLimiter | None = None
        self._trusted_peers: dict[str, bool] = {}

    @classmethod
    def from_settings(cls) -> SenderLimiter:
        return cls(
            per_sender=rate(settings.INTERCOOP_SMTP_RATE_LIMIT),
            per_peer=rate(settings.INTERCOOP_SMTP_PEER_RATE_LIMIT),
            trusted_peers=trusted_networks(settings.INTERCOOP_SMTP_TRUSTED_PEERS),
            per_bridge=rate(settings.INTERCOOP_SMTP_BRIDGE_RATE_LIMIT),
        )

    async def _hit(self, item: RateLimitItem, key: str) -> bool:
        if self._storage is None:
            return self._counts.hit(item, key)
        return await self._strategy().hit(item, key)

    async def _test(self, item: RateLimitItem, key: str) -> bool:
        if self._storage is None:
            return self._counts.test(item, key)
        return await self._strategy().test(item, key)

    def _strategy(self) -> SlidingWindowCounterRateLimiter:
        if self._limiter is None:
            self._limiter = SlidingWindowCounterRateLimiter(self._storage)
        return self._limiter

    def _trusted(self, peer_ip: str) -> bool:
        trusted = self._trusted_peers.get(peer_ip)
        if trusted is None:
            trusted = in_networks(peer_ip, self.trusted)
            if len(self._trusted_peers) >= 4096:  # clients come and go: a bounded memo
                self._trusted_peers.clear()
            self._trusted_peers[peer_ip] = trusted
        return trusted

    def _windows(self, allowance: Allowance) -> list[tuple[str, RateLimitItem, str]]:
        """(name, rate, counter key) of each window `allowance` draws on."""
        windows = []
        peer = allowance.peer_ip
        if allowance.bridge is not None:
            # A list relays everyone's mail from its one server: one window, the bridge's.
            if self.per_bridge is not None:
                windows.append(("bridge", self.per_bridge, "bridge:" + allowance.bridge))
            return windows
        if allowance.reply_owner is not None:
            if self.per_sender is not None:
                windows.append(("replies", self.per_sender, f"reply:{allowance.reply_owner}"))
            peer_key = "peer-reply:" + peer
        else:
            if self.per_sender is not None and allowance.mail_from:
                windows.append(("sender", self.per_sender, "sender:" + allowance.mail_from.lower()))
            peer_key = "peer:" + peer
        if self.per_peer is not None and peer and not self._trusted(peer):
            windows.append(("client", self.per_peer, peer_key))
        return windows

    async def check(self, allowance: Allowance) -> str:
        """ "" when one more message is allowed, else which limit it would go over.
        Counts nothing."""
        try:
            for name, item, key in self._windows(allowance):
                if not await self._test(item, key):
                    return f"{name} over {item}"
        except Exception:
            logger.warning("rate limit storage unavailable; letting mail through", exc_info=True)
        return ""

    async def count(self, allowance: Allowance) -> None:
        """Count one accepted (stored) message in each of its windows."""
        try:
            for _name, item, key in self._windows(allowance):
                await self._hit(item, key)
        except Exception:
            logger.warning("rate limit storage unavailable; message not counted", exc_info=True)
