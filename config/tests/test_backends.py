"""The test run really uses the backends the environment names.

CI runs the suite twice: on the embedded defaults, then with DATABASE_URL and REDIS_URL
pointing at PostgreSQL and Redis. These tests make the second run fail if the settings
quietly fell back to SQLite or to the in-process layer, and check one round trip through
each backend.
"""

from __future__ import annotations

import os
import uuid

import dj_database_url
import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

REDIS_URL = os.environ.get("REDIS_URL") or None
DATABASE_URL = os.environ.get("DATABASE_URL") or None


@pytest.mark.django_db
def test_the_database_is_the_one_database_url_names():
    expected = (
        dj_database_url.parse(DATABASE_URL)["ENGINE"]
        if DATABASE_URL
        else "django.db.backends.sqlite3"
    )
    assert connection.settings_dict["ENGINE"] == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


def test_celery_broker_is_redis_when_set_else_in_process():
    assert settings.CELERY_BROKER_URL == (REDIS_URL or "memory://localhost/")


def test_channel_layer_is_redis_when_set_else_in_memory_and_carries_a_group_message():
    layer = get_channel_layer()
    expected = "RedisPubSubChannelLayer" if REDIS_URL else "InMemoryChannelLayer"
    assert type(layer).__name__ == expected
    group = f"test-{uuid.uuid4().hex}"

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        try:
            await layer.group_send(group, {"type": "test.message", "text": "Bonjour à tous"})
            return await layer.receive(channel)
        finally:
            await layer.group_discard(group, channel)

    assert async_to_sync(round_trip)()["text"] == "Bonjour à tous"


def test_cache_is_redis_when_set_and_round_trips():
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend.endswith("RedisCache" if REDIS_URL else "LocMemCache")
    key = f"test-{uuid.uuid4().hex}"
    cache.set(key, "réseau", timeout=30)
    try:
        assert cache.get(key) == "réseau"
    finally:
        cache.delete(key)
