"""The read-only JSON API: its shape is a fixed point (docs/api.md)."""

from __future__ import annotations

from datetime import datetime, time

import pytest

pytestmark = pytest.mark.django_db

SESSION_KEYS = {"slug", "title", "starts_at", "ends_at", "list_address", "url"}


def test_the_sessions_list_has_exactly_the_documented_keys(client, sessions):
    response = client.get("/api/sessions/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    items = response.json()
    assert [item["slug"] for item in items] == [
        "travail-collaboratif",
        "pratiques-web2",
        "reseaux-cooperatifs",
    ]
    for item in items:
        assert set(item) == SESSION_KEYS


def test_each_session_comes_with_its_list_address_and_an_absolute_url(client, sessions):
    first = client.get("/api/sessions/").json()[0]
    assert first["title"] == sessions[1].title
    assert first["list_address"] == "travail-collaboratif@lists.localhost"
    assert first["url"] == "http://testserver/sessions/travail-collaboratif/"


def test_the_urls_follow_the_host_the_api_was_asked_on(client, sessions, settings):
    settings.ALLOWED_HOSTS = ["forum.intercoop.info"]
    response = client.get("/api/sessions/", HTTP_HOST="forum.intercoop.info", secure=True)
    assert (
        response.json()[0]["url"] == "https://forum.intercoop.info/sessions/travail-collaboratif/"
    )


def test_session_times_are_iso_8601_in_paris_time(client, sessions):
    first = client.get("/api/sessions/").json()[0]
    starts = datetime.fromisoformat(first["starts_at"])
    ends = datetime.fromisoformat(first["ends_at"])
    assert first["starts_at"] == "2007-07-04T00:00:00+02:00"
    assert starts.date() == ends.date() == sessions[1].date
    assert starts < ends


def test_announced_hours_are_the_session_times(client, sessions):
    session = sessions[3]
    session.starts_at, session.ends_at = time(14, 0), time(18, 30)
    session.save()
    last = client.get("/api/sessions/").json()[-1]
    assert last["starts_at"] == "2007-07-06T14:00:00+02:00"
    assert last["ends_at"] == "2007-07-06T18:30:00+02:00"


def test_the_api_answers_an_empty_list_before_any_programme_is_loaded(client, db):
    response = client.get("/api/sessions/")
    assert response.status_code == 200
    assert response.json() == []


def test_the_api_is_read_only(client, sessions):
    assert client.post("/api/sessions/", {}).status_code == 405
