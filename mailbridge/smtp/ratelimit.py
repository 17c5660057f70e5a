"""Per-sender and per-client rate limits at RCPT (rates written and parsed with the
`limits` library).

Two sliding windows (INTERCOOP_SMTP_RATE_LIMIT, default "30/10 minutes"): one per
envelope sender (MAIL FROM, lowercased), one per client IP address
(INTERCOOP_SMTP_PEER_RATE_LIMIT). A message counts once, at its first accepted
recipient. The null sender (bounces) is counted per client only. Clients in
INTERCOOP_SMTP_TRUSTED_PEERS (the MTA in front of the gateway, which relays
everyone's mail from one address) are not limited per client.

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


class SenderLimiter:
    def __init__(
        self,
        *,
        per_sender: RateLimitItem | None,
        per_peer: RateLimitItem | None,
        trusted_peers: list | None = None,
        storage: Storage | None = None,
    ):
        self.per_sender = per_sender
        self.per_peer = per_peer
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
        )

    async def _hit(self, item: RateLimitItem, key: str) -> bool:
        if self._storage is None:
            return self._counts.hit(item, key)
        if self._limiter is None:
            self._limiter = SlidingWindowCounterRateLimiter(self._storage)
        return await self._limiter.hit(item, key)

    def _trusted(self, peer_ip: str) -> bool:
        trusted = self._trusted_peers.get(peer_ip)
        if trusted is None:
            try:
                address = ipaddress.ip_address(peer_ip)
            except ValueError:
                trusted = False
            else:
                trusted = any(address in network for network in self.trusted)
            if len(self._trusted_peers) >= 4096:  # clients come and go: a bounded memo
                self._trusted_peers.clear()
            self._trusted_peers[peer_ip] = trusted
        return trusted

    async def hit(self, *, mail_from: str, peer_ip: str) -> str:
        """Count one message; "" when allowed, else which limit it went over."""
        checks = []
        if self.per_sender is not None and mail_from:
            checks.append(("sender", self.per_sender, "sender:" + mail_from.lower()))
        if self.per_peer is not None and peer_ip and not self._trusted(peer_ip):
            checks.append(("client", self.per_peer, "peer:" + peer_ip))
        try:
            for name, item, key in checks:
                if not await self._hit(item, key):
                    return f"{name} over {item}"
        except Exception:
            logger.warning("rate limit storage unavailable; letting mail through", exc_info=True)
        return ""
