"""Per-sender and per-client rate limits at RCPT, with the `limits` library.

Two sliding windows (INTERCOOP_SMTP_RATE_LIMIT, default "30/10 minutes"): one per
envelope sender (MAIL FROM, lowercased), one per client IP address
(INTERCOOP_SMTP_PEER_RATE_LIMIT). A message counts once, at its first accepted
recipient. The null sender (bounces) is counted per client only. Clients in
INTERCOOP_SMTP_TRUSTED_PEERS (the MTA in front of the gateway, which relays
everyone's mail from one address) are not limited per client.

limits' sliding window counter (the current and previous windows' counts, weighted)
rather than its moving window: the moving window keeps every hit and its in-memory
storage sweeps them all, in threads, after each hit, which cost the gateway more CPU
than the rest of a message. Counters live in the gateway's memory (limits'
MemoryStorage): one `intercoop smtp` process serves an installation, and keeping them
there costs microseconds where a Redis round trip per message cost a tenth of the
gateway's CPU (bench/inbound.py).
Several gateway processes would each count on their own; pass a Redis storage
(`limits.aio.storage.RedisStorage`) to share the counts. A limiter whose storage
fails lets mail through and says so in the log: refusing all mail because a
counter store restarts would be worse than a few messages over the limit.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

logger = logging.getLogger(__name__)


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
        self._limiter: SlidingWindowCounterRateLimiter | None = None

    @classmethod
    def from_settings(cls) -> SenderLimiter:
        return cls(
            per_sender=rate(settings.INTERCOOP_SMTP_RATE_LIMIT),
            per_peer=rate(settings.INTERCOOP_SMTP_PEER_RATE_LIMIT),
            trusted_peers=trusted_networks(settings.INTERCOOP_SMTP_TRUSTED_PEERS),
        )

    def _strategy(self) -> SlidingWindowCounterRateLimiter:
        # MemoryStorage starts its expiry task on the running loop: made on first use.
        if self._limiter is None:
            self._limiter = SlidingWindowCounterRateLimiter(self._storage or MemoryStorage())
        return self._limiter

    def _trusted(self, peer_ip: str) -> bool:
        try:
            address = ipaddress.ip_address(peer_ip)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    async def hit(self, *, mail_from: str, peer_ip: str) -> str:
        """Count one message; "" when allowed, else which limit it went over."""
        checks = []
        if self.per_sender is not None and mail_from:
            checks.append(("sender", self.per_sender, "sender:" + mail_from.lower()))
        if self.per_peer is not None and peer_ip and not self._trusted(peer_ip):
            checks.append(("client", self.per_peer, "peer:" + peer_ip))
        try:
            strategy = self._strategy()
            for name, item, key in checks:
                if not await strategy.hit(item, key):
                    return f"{name} over {item}"
        except Exception:
            logger.warning("rate limit storage unavailable; letting mail through", exc_info=True)
        return ""
