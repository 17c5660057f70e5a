"""Sessions kept in the database and read from the cache (SESSION_ENGINE).

Every signed-in page reads its session: from the database that is one query and a
connection taken from the pool, a large share of what serving a cached page costs a
participant (docs/benchmarks.md, "Costs behind the code"). Django's cached_db engine
reads it from the cache and writes it to both. What this store changes:

- A cache that fails is skipped, so a Redis outage makes signed-in pages slower, not
  broken: reads go to the database (Django already does so), and keeping the row
  read there in the cache, or removing a session from the cache (at logout, and at
  sign-in, which replaces the session key), may fail without failing the request.
- A session stays in the cache CACHE_SECONDS at most, then is read from the database
  again. This bounds what a failed removal can leave behind: a session logged out
  while the cache was unreachable, found again in the cache once it answers, lives
  on for those few minutes at most, not for the session's two weeks.

The cache must be shared by every process serving pages: with the per-process memory
cache of the embedded defaults, a logout in one process would leave the session alive
in the others. `intercoop web` therefore refuses several workers without Redis
(config/cli.py).
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("session cache unavailable; reading the session from the database")
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        self._keep(data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def save(self, must_create=False):
        super(cached_db.SessionStore, self).save(must_create)
        self._keep(self._session, self.get_expiry_age())

    def _keep(self, data, expiry_age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, min(expiry_age, CACHE_SECONDS))
        except Exception:
            logger.warning("session cache unavailable; the session is not kept there")

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("session cache unavailable; asking the database")
        return super(cached_db.SessionStore, self).exists(session_key)

    def delete(self, session_key=None):
        super(cached_db.SessionStore, self).delete(session_key)
        session_key = session_key if session_key is not None else self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            logger.error(
                "session cache unavailable: a deleted session stays there %d s at most",
                CACHE_SECONDS,
            )
