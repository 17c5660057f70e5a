"""The JSON API's threads: exactly the shape of docs/api.md, and nothing private leaks."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from forum.models import PostSource
from forum.tests.search_factories import (
    board_of,
    first_post,
    general_board,
    hide,
    make_private,
    many_posts,
    participant,
    reply,
    write_thread,
    written_at,
)

pytestmark = pytest.mark.django_db

THREAD_SUMMARY_KEYS = {"id", "title", "author", "created_at", "last_post_at", "post_count", "url"}
THREAD_KEYS = {"id", "title", "session", "posts"}
POST_KEYS = {"id", "author", "body_text", "body_html", "source", "created_at", "in_reply_to"}
PARIS = ZoneInfo("Europe/Paris")


def paris(moment) -> str:
    return timezone.localtime(moment, PARIS).isoformat(timespec="seconds")


@pytest.fixture
def omar(event):
    return participant(event, display_name="Omar Benali", email="omar.benali@exemple.org")


@pytest.fixture
def threads(event, sessions, lea, omar):
    """Two threads of the first session: the older one has the newest reply."""
    board = board_of(sessions[1])
    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    older = write_thread(board, lea, title="Nos outils", body="Lesquels utilisez-vous ?")
    written_at(older, start)
    newer = write_thread(board, omar, title="Gouvernance", body="Qui décide ?")
    written_at(newer, start + timedelta(hours=1))
    answer = reply(older, omar, body="Un *wiki*.", in_reply_to=first_post(older))
    written_at(answer, start + timedelta(hours=2))
    return {"older": older, "newer": newer, "answer": answer, "start": start}


def test_a_session_lists_its_threads_newest_activity_first(client, threads):
    response = client.get("/api/sessions/travail-collaboratif/threads/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    start = threads["start"]
    assert response.json() == [
        {
            "id": threads["older"].pk,
            "title": "Nos outils",
            "author": "Léa Martin",
            "created_at": paris(start),
            "last_post_at": paris(start + timedelta(hours=2)),
            "post_count": 2,
            "url": f"http://testserver/fils/{threads['older'].pk}/",
        },
        {
            "id": threads["newer"].pk,
            "title": "Gouvernance",
            "author": "Omar Benali",
            "created_at": paris(start + timedelta(hours=1)),
            "last_post_at": paris(start + timedelta(hours=1)),
            "post_count": 1,
            "url": f"http://testserver/fils/{threads['newer'].pk}/",
        },
    ]


def test_thread_list_items_have_exactly_the_documented_keys(client, threads):
    for item in client.get("/api/sessions/travail-collaboratif/threads/").json():
        assert set(item) == THREAD_SUMMARY_KEYS


def test_a_session_without_threads_lists_none(client, threads):
    response = client.get("/api/sessions/pratiques-web2/threads/")
    assert response.status_code == 200
    assert response.json() == []


def test_a_thread_comes_with_its_posts_in_order(client, threads, lea, omar):
    older, answer = threads["older"], threads["answer"]
    by_mail = reply(older, lea, body="Merci !\n\nLéa", source=PostSource.EMAIL, in_reply_to=answer)
    response = client.get(f"/api/threads/{older.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == THREAD_KEYS
    assert (data["id"], data["title"], data["session"]) == (
        older.pk,
        "Nos outils",
        "travail-collaboratif",
    )
    opening = first_post(older)
    assert data["posts"] == [
        {
            "id": opening.pk,
            "author": "Léa Martin",
            "body_text": "Lesquels utilisez-vous ?",
            "body_html": "<p>Lesquels utilisez-vous ?</p>\n",
            "source": "web",
            "created_at": paris(threads["start"]),
            "in_reply_to": None,
        },
        {
            "id": answer.pk,
            "author": "Omar Benali",
            "body_text": "Un *wiki*.",
            "body_html": "<p>Un <em>wiki</em>.</p>\n",
            "source": "web",
            "created_at": paris(threads["start"] + timedelta(hours=2)),
            "in_reply_to": opening.pk,
        },
        {
            "id": by_mail.pk,
            "author": "Léa Martin",
            "body_text": "Merci !\n\nLéa",
            "body_html": "<p>Merci !</p>\n<p>Léa</p>\n",
            "source": "email",
            "created_at": paris(by_mail.created_at),
            "in_reply_to": answer.pk,
        },
    ]
    for post in data["posts"]:
        assert set(post) == POST_KEYS


def test_a_thread_of_the_general_board_has_no_session(client, event, lea):
    thread = write_thread(general_board(event), lea, title="Bienvenue", body="Bonjour à tous.")
    assert client.get(f"/api/threads/{thread.pk}/").json()["session"] is None


def test_hidden_posts_are_left_out_entirely(client, event, threads):
    older, answer = threads["older"], threads["answer"]
    late = reply(older, threads["older"].author, body="Je réponds au wiki.", in_reply_to=answer)
    hide(answer, event=event, reason="Publicité")
    data = client.get(f"/api/threads/{older.pk}/").json()
    assert [post["id"] for post in data["posts"]] == [first_post(older).pk, late.pk]
    assert data["posts"][1]["in_reply_to"] is None  # it answered the hidden post
    content = client.get(f"/api/threads/{older.pk}/").content.decode()
    assert "wiki*" not in content and "Publicité" not in content
    summary = client.get("/api/sessions/travail-collaboratif/threads/").json()
    counted = {item["id"]: item["post_count"] for item in summary}
    assert counted[older.pk] == 2


def test_moderators_do_not_get_hidden_posts_from_the_api_either(client, event, threads):
    from forum.tests.search_factories import organiser

    hide(threads["answer"], event=event)
    client.force_login(organiser(event))
    data = client.get(f"/api/threads/{threads['older'].pk}/").json()
    assert threads["answer"].pk not in [post["id"] for post in data["posts"]]


def test_a_thread_whose_every_post_is_hidden_is_gone(client, event, threads):
    hide(first_post(threads["newer"]), event=event)
    assert client.get(f"/api/threads/{threads['newer'].pk}/").status_code == 404
    listed = client.get("/api/sessions/travail-collaboratif/threads/").json()
    assert [item["title"] for item in listed] == ["Nos outils"]


def test_a_private_session_is_not_found_by_anonymous_readers(client, event, sessions, threads):
    make_private(sessions[1])
    unknown = client.get("/api/sessions/nulle-part/threads/")
    for url in (
        "/api/sessions/travail-collaboratif/threads/",
        f"/api/threads/{threads['older'].pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"error"}
        assert b"Nos outils" not in response.content
    assert client.get("/api/sessions/travail-collaboratif/threads/").content == unknown.content
    assert "travail-collaboratif" not in [
        item["slug"] for item in client.get("/api/sessions/").json()
    ]


def test_a_private_session_is_found_by_a_signed_in_participant(client, event, sessions, threads):
    make_private(sessions[1])
    client.force_login(participant(event))
    assert len(client.get("/api/sessions/travail-collaboratif/threads/").json()) == 2
    assert client.get(f"/api/threads/{threads['older'].pk}/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/threads/999999/",
        "/api/threads/0/",
        "/api/threads/-1/",
        "/api/threads/abc/",
        "/api/threads/99999999999999999999999/",
        "/api/sessions/nulle-part/threads/",
    ],
)
def test_unknown_ids_get_a_json_404(client, event, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"error"}
    assert response.json()["error"]


def test_no_email_address_appears_in_any_response(client, event, sessions, threads, lea, omar):
    reply(threads["older"], lea, body="Par courriel.", source=PostSource.EMAIL)
    client.force_login(participant(event, email="lecteur@exemple.org"))
    for path in (
        "/api/sessions/",
        "/api/sessions/travail-collaboratif/threads/",
        f"/api/threads/{threads['older'].pk}/",
        f"/api/threads/{threads['newer'].pk}/",
    ):
        content = client.get(path).content
        for person in (lea, omar):
            assert person.email.encode() not in content
            assert person.email.split("@")[0].encode() not in content
        assert b"lecteur@exemple.org" not in content


def test_an_author_without_a_profile_is_not_named_by_their_email(client, event, threads):
    omar = threads["newer"].author
    omar.profile.delete()
    omar.refresh_from_db()
    data = client.get(f"/api/threads/{threads['newer'].pk}/").json()
    assert data["posts"][0]["author"] == f"Participant·e n° {omar.pk}"


def test_reading_a_long_thread_takes_a_fixed_number_of_queries(
    client, event, lea, django_assert_max_num_queries
):
    small = write_thread(general_board(event), lea, title="Court", body="Un.")
    many_posts(small, lea, 9)
    long = write_thread(general_board(event), lea, title="Long", body="Un.")
    many_posts(long, lea, 199)
    with django_assert_max_num_queries(4) as small_queries:
        assert len(client.get(f"/api/threads/{small.pk}/").json()["posts"]) == 10
    with django_assert_max_num_queries(4) as long_queries:
        assert len(client.get(f"/api/threads/{long.pk}/").json()["posts"]) == 200
    assert len(long_queries.captured_queries) == len(small_queries.captured_queries)


def test_listing_many_threads_takes_a_fixed_number_of_queries(
    client, event, sessions, lea, django_assert_max_num_queries
):
    board = board_of(sessions[1])
    for number in range(30):
        write_thread(board, lea, title=f"Fil {number}", body="Texte.")
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/sessions/travail-collaboratif/threads/").json()) == 30


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_only_reads(event, threads, method):
    client = Client(enforce_csrf_checks=True)
    for path in (
        "/api/sessions/travail-collaboratif/threads/",
        f"/api/threads/{threads['older'].pk}/",
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"
        assert set(response.json()) == {"error"}


def test_head_answers_like_get_without_a_body(client, threads):
    response = client.head(f"/api/threads/{threads['older'].pk}/")
    assert response.status_code == 200
    assert response.content == b""
