"""Sessions read from the cache (config/sessions.py): a signed-in page does not ask the
database for its session, a failing cache leaves pages working, and a logout ends the
session everywhere."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.cli import main
from config.testing import cache_fails

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return get_user_model().objects.create_user(
        username="helene", email="helene@example.org", password="motdepasse-solide-2007"
    )


def signed_in(member) -> Client:
    client = Client()
    assert client.login(username="helene", password="motdepasse-solide-2007")
    return client


def account_page(client):
    response = client.get(reverse("account_email"))
    return response


def session_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if "django_session" in query["sql"]]


def test_a_signed_in_page_reads_its_session_from_the_cache(member):
    client = signed_in(member)
    assert account_page(client).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = account_page(client)
    assert response.status_code == 200
    assert response.context["user"] == member
    assert session_queries(queries.captured_queries) == []


def test_a_session_missing_from_the_cache_is_read_from_the_database_once(member):
    client = signed_in(member)
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        assert account_page(client).context["user"] == member
    with CaptureQueriesContext(connection) as second:
        assert account_page(client).context["user"] == member
    assert len(session_queries(first.captured_queries)) == 1
    assert session_queries(second.captured_queries) == []


def test_a_failing_cache_leaves_signed_in_pages_working(member, monkeypatch, caplog):
    client = signed_in(member)

    cache_fails(monkeypatch, "get", "set")
    with caplog.at_level(logging.WARNING, logger="config.sessions"):
        response = account_page(client)
    assert response.status_code == 200
    assert response.context["user"] == member
    assert "session cache unavailable" in caplog.text


def test_a_logout_ends_the_session_even_where_the_cache_held_it(member):
    client = signed_in(member)
    cookie = client.cookies["sessionid"].value
    assert account_page(client).status_code == 200  # the session is now in the cache
    client.post(reverse("account_logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = account_page(replay)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("workers", ["2", "0"])
def test_intercoop_web_refuses_workers_that_cannot_share_state(workers, settings, capsys):
    settings.REDIS_URL = ""
    assert main(["web", "--port", "1", "--workers", workers]) == 2
    err = capsys.readouterr().err
    assert f"--workers {workers}" in err
    if workers == "2":
        assert "REDIS_URL" in err


def test_a_session_stays_in_the_cache_five_minutes_at_most(member, monkeypatch):
    from config.sessions import CACHE_SECONDS

    backend = type(caches["default"])
    kept = []
    real = backend.set

    def recording(self, key, value, timeout=None, *args, **kwargs):
        if "sessions" in key:
            kept.append(timeout)
        return real(self, key, value, timeout, *args, **kwargs)

    monkeypatch.setattr(backend, "set", recording)
    client = signed_in(member)
    cache.clear()
    assert account_page(client).status_code == 200  # read from the database, kept again
    assert len(kept) >= 2
    assert all(0 < timeout <= CACHE_SECONDS for timeout in kept)


def test_a_logout_while_the_cache_fails_signs_out_and_says_so(member, monkeypatch, caplog):
    client = signed_in(member)
    assert account_page(client).status_code == 200

    cache_fails(monkeypatch, "delete")
    with caplog.at_level(logging.ERROR, logger="config.sessions"):
        response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "a deleted session stays there 300 s at most" in caplog.text
    monkeypatch.undo()
    assert account_page(client).status_code == 302  # this browser is signed out
