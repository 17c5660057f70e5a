"""Who is following a session's live page right now: one entry per open connection.

Each connection registers under its channel name with an expiry PRESENCE_TTL ahead,
refreshed by its heartbeats; a connection that vanishes without closing (a laptop
put to sleep, a crashed process) drops out within PRESENCE_TTL. With Redis
(production, several processes) the entries are a sorted set scored by expiry;
without it (`intercoop run`, one process) a dictionary guarded by a lock.

Every call returns the count and whether it differs from the count last reported
for the session, so that the count is pushed to the page only when it changes.
All functions are synchronous; consumers call them through sync_to_async.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

PRESENCE_TTL = 60  # seconds


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Count:
    value: int
    changed: bool


class LocalPresence:
    """One process: entries in memory."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, float]] = {}
        self._reported: dict[str, int] = {}

    def _update(self, key: str, member: str | None, expiry: float | None) -> Count:
        now = _now()
        with self._lock:
            entries = self._entries.setdefault(key, {})
            if member is not None:
                if expiry is None:
                    entries.pop(member, None)
                else:
                    entries[member] = expiry
            for name, expires in list(entries.items()):
                if expires <= now:
                    del entries[name]
            value = len(entries)
            changed = self._reported.get(key) != value
            self._reported[key] = value
            if not entries:
                self._entries.pop(key, None)
            return Count(value, changed)

    def touch(self, key: str, member: str) -> Count:
        return self._update(key, member, _now() + PRESENCE_TTL)

    def leave(self, key: str, member: str) -> Count:
        return self._update(key, member, None)

    def count(self, key: str) -> int:
        now = _now()
        with self._lock:
            return sum(1 for expires in self._entries.get(key, {}).values() if expires > now)


class RedisPresence:
    """Several processes: a Redis sorted set per session, scored by expiry."""

    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url)

    def _update(self, key: str, member: str, *, leaving: bool) -> Count:
        now = _now()
        pipe = self._redis.pipeline(transaction=True)
        if leaving:
            pipe.zrem(key, member)
        else:
            pipe.zadd(key, {member: now + PRESENCE_TTL})
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zcard(key)
        pipe.expire(key, PRESENCE_TTL * 2)
        value = pipe.execute()[2]
        previous = self._redis.getset(f"{key}:reported", value)
        self._redis.expire(f"{key}:reported", PRESENCE_TTL * 2)
        changed = previous is None or int(previous) != value
        return Count(value, changed)

    def touch(self, key: str, member: str) -> Count:
        return self._update(key, member, leaving=False)

    def leave(self, key: str, member: str) -> Count:
        return self._update(key, member, leaving=True)

    def count(self, key: str) -> int:
        return self._redis.zcount(key, _now(), "+inf")


@lru_cache(maxsize=4)
def _backend(redis_url: str | None):
    return RedisPresence(redis_url) if redis_url else LocalPresence()


def _key(session_id: int) -> str:
    # The cache's prefix keeps test runs (and installations) sharing a Redis apart.
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:intercoop:presence:session:{int(session_id)}"


def backend():
    return _backend(getattr(settings, "REDIS_URL", None))


def session_join(*, session_id: int, channel_name: str) -> Count:
    """Register a connection to the session's live page (or refresh it)."""
    return backend().touch(_key(session_id), channel_name)


def session_heartbeat(*, session_id: int, channel_name: str) -> Count:
    """Refresh a connection's entry; also drops entries that have expired."""
    return backend().touch(_key(session_id), channel_name)


def session_leave(*, session_id: int, channel_name: str) -> Count:
    return backend().leave(_key(session_id), channel_name)


def session_count(*, session_id: int) -> int:
    """How many connections follow the session's live page (for the page itself)."""
    return backend().count(_key(session_id))
