"""Django's Redis cache, with one connection pool and one client per Redis server for
the whole process.

Django keeps a cache object per context: under ASGI every request, and every
websocket connection, gets new ones. Its Redis client holds its connection pools,
so each request would open a new TCP connection to Redis (and drop it at the end),
and build a new `redis.Redis` for every operation. Both cost more than the GETs
they serve. Here pools live in a registry of the process, keyed by the server and
the pool's options: every cache object of the same configuration takes its
connections from the same pool, through the same client. A redis-py client holds
no connection of its own (each command takes one from the pool and gives it back)
and may be shared between threads and contexts; a pool notices a fork and starts
again with no connection in the child.

`clear()` removes the cache's own keys only: Django's would empty the whole Redis
database, which also holds Celery's queues and the channel layer's groups.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_lock = threading.Lock()
_shared: dict[tuple, tuple[object, object]] = {}


class PooledClientCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._found: dict[int, tuple[object, object]] = {}  # pool index: (pool, client)

    def _shared_pool(self, write: bool) -> tuple[object, object]:
        index = self._get_connection_pool_index(write)
        shared = self._found.get(index)  # looked up in the registry once per object
        if shared is None:
            server = self._servers[index]
            options = repr(sorted(self._pool_options.items()))
            key = (self._pool_class, self._client, server, options)
            with _lock:
                shared = _shared.get(key)
                if shared is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    shared = _shared[key] = (pool, self._client(connection_pool=pool))
            self._found[index] = shared
        return shared

    def _get_connection_pool(self, write):
        return self._shared_pool(write)[0]

    def get_client(self, key=None, *, write=False):
        return self._shared_pool(write)[1]


class PooledClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientCacheClient

    def clear(self):
        # Keys are "<prefix>:<version>:<key>" (Django's default key function).
        pattern = glob_escape(self.key_prefix) + ":*"
        client = self._cache.get_client(write=True)
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 500:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True


def glob_escape(text: str) -> str:
    """`text` matched as it is by a Redis glob pattern."""
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)
