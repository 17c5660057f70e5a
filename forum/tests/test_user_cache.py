"""The signed-in account read from the cache (forum/user_cache.py): a reload asks the
database nothing for it, and whatever changes the account reaches the next request."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.testing import cache_fails

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2007"


@pytest.fixture
def member():
    return get_user_model().objects.create_user(
        username="helene", email="helene@example.org", password=PASSWORD
    )


def signed_in() -> Client:
    client = Client()
    assert client.login(username="helene", password=PASSWORD)
    return client


def who(client) -> str:
    response = client.get(reverse("account_email"))
    if response.status_code == 302:
        return "anonymous"
    assert response.status_code == 200
    return response.context["user"].username


def account_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"auth_user"' in q["sql"]]


def test_a_signed_in_request_reads_the_account_from_the_cache(member):
    client = signed_in()
    assert who(client) == "helene"
    with CaptureQueriesContext(connection) as captured:
        assert who(client) == "helene"
    assert account_queries(captured) == []


def test_a_password_changed_elsewhere_signs_the_other_sessions_out(member):
    client = signed_in()
    assert who(client) == "helene"
    member.set_password("un-autre-mot-de-passe-2007")
    member.save()
    assert who(client) == "anonymous"


def test_a_closed_or_deleted_account_is_signed_out_at_once(member):
    client = signed_in()
    assert who(client) == "helene"
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert who(client) == "anonymous"
    member.is_active = True
    member.save(update_fields=["is_active"])
    client = signed_in()
    assert who(client) == "helene"
    member.delete()
    assert who(client) == "anonymous"


def test_an_inactive_account_found_in_the_cache_is_refused(member, settings):
    from forum import user_cache

    client = signed_in()
    assert who(client) == "helene"
    member.is_active = False
    cache.set(user_cache._key(member.pk), member, 60)  # as if no signal had reached it
    assert who(client) == "anonymous"


def test_a_failing_cache_leaves_signed_in_pages_working(member, monkeypatch, caplog):
    client = signed_in()

    cache_fails(monkeypatch, "get", "set")
    with caplog.at_level(logging.WARNING, logger="forum.user_cache"):
        assert who(client) == "helene"
    assert "account cache unavailable" in caplog.text


def test_an_account_read_just_before_a_change_is_not_put_back(member):
    """A request that read the old row before the change was saved must not put it
    back into the cache after the change has removed it."""
    from forum import user_cache

    backend = user_cache.ModelBackend()
    old = get_user_model().objects.get(pk=member.pk)  # read by a slower request
    member.set_password("un-autre-mot-de-passe-2007")
    member.save()  # the change: the cached row is forgotten
    cache.add(user_cache._key(member.pk), old, 60)  # that request, done reading, keeps it
    assert backend.get_user(member.pk).password == member.password
