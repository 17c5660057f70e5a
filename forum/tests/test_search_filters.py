"""Search by author name, and narrowed by board, author, period and source."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from forum.models import Post, PostSource
from forum.tests.reading import page_text
from forum.tests.search_factories import (
    board_of,
    general_board,
    make_private,
    participant,
    reply,
    write_thread,
)

pytestmark = pytest.mark.django_db


def found(response) -> list[str]:
    return sorted(hit.thread.title for hit in response.context["page"])


@pytest.fixture
def corpus(event, sessions, lea):
    bruno = participant(event, display_name="Bruno Écoutant")
    general = general_board(event)
    session_board = board_of(sessions[1])
    write_thread(general, lea, title="Accueil", body="Le programme de la plénière.")
    by_mail = write_thread(
        session_board,
        bruno,
        title="Compte rendu",
        body="La plénière, vue d'ailleurs.",
        source=PostSource.EMAIL,
    )
    reply(by_mail, lea, body="Merci pour ce compte rendu de plénière.")
    return {"bruno": bruno, "general": general, "session_board": session_board}


def test_a_name_in_the_query_finds_that_persons_posts(client, corpus):
    assert found(client.get("/recherche/", {"q": "écoutant"})) == ["Compte rendu"]


def test_filters_by_board_author_and_source(client, corpus):
    board = corpus["session_board"].slug
    assert found(client.get("/recherche/", {"q": "plénière", "board": board})) == ["Compte rendu"]
    assert found(client.get("/recherche/", {"q": "plénière", "author": "Léa"})) == [
        "Accueil",
        "Compte rendu",
    ]
    assert found(client.get("/recherche/", {"q": "plénière", "author": "Bruno"})) == [
        "Compte rendu"
    ]
    assert found(client.get("/recherche/", {"q": "plénière", "source": "email"})) == [
        "Compte rendu"
    ]
    response = client.get("/recherche/", {"q": "plénière", "source": "web"})
    assert found(response) == ["Accueil", "Compte rendu"]


def test_an_author_alone_lists_their_posts(client, corpus):
    response = client.get("/recherche/", {"author": "Bruno Écoutant"})
    assert found(response) == ["Compte rendu"]
    assert "par courriel" in page_text(response)


def test_filters_by_date(client, corpus):
    Post.objects.filter(thread__title="Accueil").update(
        created_at=timezone.now() - timedelta(days=30)
    )
    today = timezone.localdate().isoformat()
    assert found(client.get("/recherche/", {"q": "plénière", "since": today})) == ["Compte rendu"]
    old = (timezone.localdate() - timedelta(days=20)).isoformat()
    assert found(client.get("/recherche/", {"q": "plénière", "until": old})) == ["Accueil"]


def test_bad_filters_are_dropped_not_an_error(client, corpus):
    response = client.get(
        "/recherche/", {"q": "plénière", "since": "hier", "board": "nulle-part", "source": "x"}
    )
    assert response.status_code == 200
    assert found(response) == ["Accueil", "Compte rendu"]


def test_a_private_board_is_no_filter_for_who_may_not_see_it(client, event, sessions, lea):
    make_private(sessions[2])
    write_thread(board_of(sessions[2]), lea, title="Secret", body="Plénière à huis clos.")
    response = client.get("/recherche/", {"q": "plénière", "board": sessions[2].slug})
    assert response.context["page"] is None or found(response) == []
    assert "Secret" not in page_text(response)


def test_pages_keep_the_filters(client, corpus, event, lea):
    for number in range(25):
        write_thread(corpus["general"], lea, title=f"Fil {number}", body="Encore la plénière.")
    response = client.get("/recherche/", {"q": "plénière", "author": "Léa"})
    assert "author=L%C3%A9a" in response.content.decode()
