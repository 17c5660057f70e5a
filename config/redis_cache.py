"""Django's Redis cache, asking Redis through one client per connection pool.

Django's client builds a new `redis.Redis` around the pool for every cache operation;
building it costs more than a plain GET answered by a local Redis. A redis-py client
holds no connection of its own (each command takes one from the pool and gives it
back) and may be shared between threads, so one per pool is kept and reused.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class PooledClientCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:  # pools live as long as this object: their ids stay theirs
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class PooledClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientCacheClient
