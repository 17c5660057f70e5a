"""Page-cache hits under ASGI (forum/page_cache_loop.py): served in the event loop when
the cache is the process's memory, without the sync view's thread; when serving one
would need the database (a session or account no longer in the cache), the request
goes to the view's thread and the reader gets their own page as before."""

from __future__ import annotations

import re

import pytest
from asgiref.sync import async_to_sync
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import cache
from django.test import AsyncClient
from django.urls import reverse

from forum.page_cache_loop import cache_in_process
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db(transaction=True)
in_memory = pytest.mark.skipif(not cache_in_process(), reason="hits go to a thread with Redis")

# `hops` (config/testing.py): what goes to a thread, but Django's ASGI handler's own.
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]*)"')
# The values each request gets its own of (forum/page_gaps.py).
PER_REQUEST = re.compile(rb'name="(?:csrfmiddlewaretoken|submission_key)" value="[^"]*"')


def _get(client: AsyncClient, path: str):
    response = async_to_sync(client.get)(path)
    assert response.status_code == 200
    return response


def _hit(client: AsyncClient, path: str, hops: list):
    """The page once a reload comes from the cache without a thread (the first visits
    render it, and move a signed-in reader's read mark)."""
    for _ in range(4):
        hops.clear()
        response = _get(client, path)
        if response.get("X-Page-Cache") == "hit" and not hops:
            return response
    raise AssertionError(f"{path} never came from the cache in the event loop: {hops}")


def _same_but_tokens(one, other) -> bool:
    return PER_REQUEST.sub(b"", one.content) == PER_REQUEST.sub(b"", other.content)


@in_memory
def test_an_anonymous_hit_never_leaves_the_event_loop(thread, hops):
    url = reverse("forum:thread", args=[thread.pk])
    rendered = _get(AsyncClient(), url)
    assert rendered["X-Page-Cache"] == "miss"
    assert "thread" in hops  # the view, in its thread

    served = _hit(AsyncClient(), url, hops)
    assert _same_but_tokens(served, rendered)
    # The reader's own CSRF token, with its cookie, and the stack's headers.
    assert CSRF.findall(served.content) != CSRF.findall(rendered.content)
    assert "csrftoken" in served.cookies
    assert served["X-Frame-Options"] == "DENY"
    assert served["Content-Security-Policy"] == rendered["Content-Security-Policy"]


@in_memory
def test_a_signed_in_hit_never_leaves_the_event_loop(thread, alice, hops):
    client = AsyncClient()
    client.force_login(alice)
    url = reverse("forum:thread", args=[thread.pk])
    served = _hit(client, url, hops)
    assert "Se déconnecter" in page_text(served)
    assert f'data-live-user="{alice.pk}"'.encode() in served.content


@in_memory
@pytest.mark.parametrize("gone", ["session", "account"])
def test_a_hit_that_needs_the_database_is_served_from_the_view_s_thread(thread, alice, hops, gone):
    client = AsyncClient()
    client.force_login(alice)
    url = reverse("forum:thread", args=[thread.pk])
    cached = _hit(client, url, hops)
    session_key = client.cookies["sessionid"].value
    cache.delete(KEY_PREFIX + session_key if gone == "session" else f"account:{alice.pk}")

    hops.clear()
    served = _get(client, url)
    assert hops == ["thread"]  # read from the database in the thread, not in the loop
    assert served["X-Page-Cache"] == "hit"
    assert _same_but_tokens(served, cached)
    assert "Se déconnecter" in page_text(served)
    # The session is whole: read again, kept in the cache, and the next reload is served
    # in the event loop again.
    assert client.cookies["sessionid"].value == session_key
    assert "Se déconnecter" in page_text(_hit(client, url, hops))


@pytest.mark.skipif(cache_in_process(), reason="the cache is in the process")
def test_with_redis_a_hit_is_served_from_the_view_s_thread(thread, hops):
    # Each lookup is a round trip to Redis, which would block the event loop.
    url = reverse("forum:thread", args=[thread.pk])
    rendered = _get(AsyncClient(), url)
    hops.clear()
    served = _get(AsyncClient(), url)
    assert served["X-Page-Cache"] == "hit" and hops == ["thread"]
    assert _same_but_tokens(served, rendered)


@in_memory
def test_a_hit_failing_in_the_event_loop_is_logged_and_served_from_the_thread(
    thread, hops, monkeypatch, caplog
):
    from forum import page_cache

    client = AsyncClient()
    url = reverse("forum:thread", args=[thread.pk])
    cached = _hit(client, url, hops)
    served_whole = page_cache._hit_response
    calls = []

    def failing_once(stored, request):
        calls.append(request)
        if len(calls) == 1:
            raise RuntimeError("a bug in the loop's hit")
        return served_whole(stored, request)

    monkeypatch.setattr(page_cache, "_hit_response", failing_once)
    hops.clear()
    with caplog.at_level("WARNING", logger="forum.page_cache_loop"):
        served = _get(client, url)
    assert served.status_code == 200 and served["X-Page-Cache"] == "hit"
    assert _same_but_tokens(served, cached)
    assert hops == ["thread"]
    assert "page cache hit failed in the event loop" in caplog.text
    assert "a bug in the loop's hit" in caplog.text
