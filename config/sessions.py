"""Sessions kept in the database and read from the cache (SESSION_ENGINE).

Every signed-in page reads its session: from the database that is one query and a
connection taken from the pool, a third of what serving a cached page costs a
participant (bench/web.py). Django's cached_db engine reads it from the cache and
writes it to both. What this store adds: a cache that fails is skipped, so a Redis
outage makes signed-in pages slower, not broken. Reading goes to the database (Django
already does so), and keeping the row read from it in the cache may fail too.

Deleting is not softened: a session deleted at logout must leave the cache as well,
or the cookie would still sign in once the cache answers again, so that error stays
an error.

The cache must be shared by every process serving pages: with the per-process memory
cache of the embedded defaults, a logout in one process would leave the session alive
in the others. `intercoop web` therefore refuses several workers without Redis
(config/cli.py).
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


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
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        except Exception:
            logger.warning("session cache unavailable; the session is not kept there")
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("session cache unavailable; asking the database")
        return super(cached_db.SessionStore, self).exists(session_key)
