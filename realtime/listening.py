"""In which languages each live group is being read right now, across processes.

A push is rendered at commit only in the languages of the readers following its
group (realtime.publish); nobody reading means nothing rendered, which is most of
the time for most threads, where rendering every language was a large share of an
emailed reply's cost to the worker (docs/benchmarks.md, "Costs behind the code").
What is not rendered at commit is rendered when someone needs it
(realtime.fragments.event_html, from the consumer): a reader who arrives between a
push and the moment the registry shows their language still gets the fragment, a
little later. The registry only saves work; it decides nothing a reader sees.

Each process that serves live readers registers the (group, language) pairs of
its readers when the first of a language joins, and again every REFRESH_SECONDS
while they stay (realtime.fanout); an entry lives TTL_SECONDS, so a process that
dies stops counting within a minute. With Redis (production, several processes)
an entry is a member of a sorted set per group scored by its expiry; without it
(`intercoop run`, one process) a dictionary. A writer reads a group's languages
at most once per CACHE_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)

TTL_SECONDS = 60
REFRESH_SECONDS = 20
CACHE_SECONDS = 1.0


def _now() -> float:
    return time.time()


class LocalListening:
    """One process: entries in memory."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, float]] = {}

    def register(self, key: str, languages: set[str], expiry: float) -> None:
        with self._lock:
            entries = self._entries.setdefault(key, {})
            for language in languages:
                entries[language] = max(expiry, entries.get(language, 0.0))

    def languages(self, key: str, now: float) -> set[str]:
        with self._lock:
            entries = self._entries.get(key, {})
            for language in [lang for lang, expiry in entries.items() if expiry <= now]:
                del entries[language]
            return set(entries)


class RedisListening:
    """Several processes: a Redis sorted set per group, member the language, scored
    by the latest expiry any process gave it."""

    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url)

    def register(self, key: str, languages: set[str], expiry: float) -> None:
        pipe = self._redis.pipeline(transaction=False)
        # GT: a later expiry only (another process may have given a later one); new
        # members are added all the same.
        pipe.zadd(key, dict.fromkeys(languages, expiry), gt=True)
        pipe.expire(key, TTL_SECONDS * 2)
        pipe.execute()

    def languages(self, key: str, now: float) -> set[str]:
        return {value.decode() for value in self._redis.zrangebyscore(key, now, "+inf")}


@lru_cache(maxsize=4)
def _backend(redis_url: str | None):
    return RedisListening(redis_url) if redis_url else LocalListening()


def backend():
    return _backend(getattr(settings, "REDIS_URL", None))


def _key(group: str) -> str:
    # The cache's prefix keeps test runs (and installations) sharing a Redis apart.
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:intercoop:listening:{group}"


# What this process last read, per key: (read at, languages).
_read: dict[str, tuple[float, frozenset[str]]] = {}


def register(group: str, languages: set[str]) -> None:
    """Readers of `group` in `languages` follow it from this process (for TTL_SECONDS)."""
    if not languages:
        return
    key = _key(group)
    backend().register(key, set(languages), _now() + TTL_SECONDS)
    _read.pop(key, None)  # a writer in this process sees them at once


def languages(group: str) -> frozenset[str]:
    """The languages `group` is read in now (read again after CACHE_SECONDS). When the
    registry cannot be read, every language of the site: rendering too much is only
    slower, rendering too little would make the first readers wait."""
    key = _key(group)
    now = _now()
    known = _read.get(key)
    if known is not None and 0 <= now - known[0] < CACHE_SECONDS:
        return known[1]
    try:
        found = frozenset(backend().languages(key, now))
    except Exception:
        logger.warning("live readers' languages unreadable; rendering all", exc_info=True)
        return frozenset(code for code, _label in settings.LANGUAGES)
    _read[key] = (now, found)
    if len(_read) > 10_000:
        _read.clear()
    return found
