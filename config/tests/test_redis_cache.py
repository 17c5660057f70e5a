"""The Redis cache of production (config/redis_cache.py) against a real Redis."""

from __future__ import annotations

import threading
import uuid

import pytest

from config.redis_cache import PooledClientRedisCache

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def cache():
    redis = pytest.importorskip("redis")
    probe = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        probe.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis answering at 127.0.0.1:6379 ({exc})")
    finally:
        probe.close()
    prefix = f"test-{uuid.uuid4().hex}"
    backend = PooledClientRedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    yield backend
    backend.clear()  # this database is the test's alone
    backend.close()


def test_values_go_to_redis_and_come_back(cache):
    cache.set("page", {"html": "<p>Bonjour</p>"}, 30)
    assert cache.get("page") == {"html": "<p>Bonjour</p>"}
    assert cache.get_many(["page", "absent"]) == {"page": {"html": "<p>Bonjour</p>"}}
    cache.delete("page")
    assert cache.get("page") is None


def test_one_client_serves_every_operation_and_every_thread(cache):
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is first
    seen = []

    def work(n: int) -> None:
        for i in range(50):
            cache.set(f"k{n}-{i}", i)
            seen.append(cache.get(f"k{n}-{i}") == i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [True] * 400
    assert cache._cache.get_client() is first


def _connections_received(client) -> int:
    return client.info("stats")["total_connections_received"]


def test_cache_objects_of_each_request_share_one_pool_and_open_no_connection(cache):
    """Django makes a cache object per context (each ASGI request): they all ask Redis
    through the connections already open, instead of one new connection each."""
    import contextvars

    cache.set("warm", 1)
    client = cache._cache.get_client()
    before = _connections_received(client)
    seen = []

    def request(n: int) -> None:
        backend = PooledClientRedisCache(REDIS_URL, {"KEY_PREFIX": cache.key_prefix})
        backend.set(f"r{n}", n)
        seen.append((backend.get(f"r{n}"), backend._cache.get_client() is client))

    for n in range(20):
        contextvars.copy_context().run(request, n)
    assert seen == [(n, True) for n in range(20)]
    assert _connections_received(client) == before


def test_another_server_or_option_gets_a_pool_of_its_own(cache):
    other = PooledClientRedisCache("redis://127.0.0.1:6379/14", {"KEY_PREFIX": "x"})
    timed = PooledClientRedisCache(REDIS_URL, {"KEY_PREFIX": "y", "OPTIONS": {"socket_timeout": 5}})
    first = cache._cache.get_client()
    assert other._cache.get_client() is not first
    assert timed._cache.get_client() is not first
    assert timed._cache.get_client().connection_pool.connection_kwargs["socket_timeout"] == 5


def test_clearing_removes_the_caches_keys_and_nothing_else_of_the_database(cache):
    import redis

    raw = redis.Redis.from_url(REDIS_URL)
    other = PooledClientRedisCache(REDIS_URL, {"KEY_PREFIX": cache.key_prefix + "-other"})
    try:
        cache.set("page", "<p>1</p>")
        cache.set("account", "Claire", version=2)
        other.set("page", "<p>2</p>")
        raw.set("celery-queue-like", b"task")
        cache.clear()
        assert cache.get("page") is None and cache.get("account", version=2) is None
        assert other.get("page") == "<p>2</p>"
        assert raw.get("celery-queue-like") == b"task"
    finally:
        other.delete("page")
        raw.delete("celery-queue-like")
        raw.close()
