"""Search: what a reader finds, with its passage, and never what they may not see.

Runs on SQLite (folded substring search) and PostgreSQL (French full-text search);
the stemming tests need PostgreSQL and skip elsewhere.
"""

from __future__ import annotations

import pytest
from django.db import connection

from forum.models import Thread
from forum.selectors import search as search_module
from forum.selectors.search import fold, passage, search_posts
from forum.tests.reading import elements, page_text
from forum.tests.search_factories import (
    board_of,
    first_post,
    general_board,
    hide,
    make_private,
    organiser,
    participant,
    reply,
    write_thread,
)

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="French stemming needs PostgreSQL"
)


def found(response) -> list[str]:
    """Titles of the results on a search page (one per thread), in order."""
    return [hit.thread.title for hit in response.context["page"]]


def test_an_empty_query_asks_for_words(client, event):
    for url in ("/recherche/", "/recherche/?q=", "/recherche/?q=%20%20%20"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Saisissez un ou plusieurs mots à chercher" in page_text(response)
        assert response.context["page"] is None


def test_a_query_that_matches_nothing_says_so(client, event, lea):
    write_thread(general_board(event), lea, title="Bienvenue", body="Présentez-vous ici.")
    response = client.get("/recherche/", {"q": "xylophone"})
    assert response.status_code == 200
    assert "Aucun message ne correspond à « xylophone »." in page_text(response)


def test_a_result_shows_thread_board_author_date_and_links_to_the_post(
    client, event, sessions, lea
):
    board = board_of(sessions[1])
    thread = write_thread(
        board, lea, title="Nos outils", body="Nous écrivons nos comptes rendus dans un wiki."
    )
    post = reply(thread, lea, body="Et le wiki garde l'historique de chaque page.")
    response = client.get("/recherche/", {"q": "historique"})
    text = page_text(response)
    assert "1 fil trouvé." in text and "1 message trouvé" in text
    assert found(response) == ["Nos outils"]
    assert ("a", {"href": post.get_absolute_url()}) in elements(response)
    assert board.title in text
    assert "Léa Martin" in text
    assert post.created_at.year == 2000 + int(response.content.decode().split('datetime="')[1][2:4])
    assert "lea.martin@exemple.org" not in response.content.decode()


def test_the_matching_passage_is_highlighted(client, event, lea):
    write_thread(
        general_board(event),
        lea,
        title="Logiciels",
        body="Pour travailler ensemble nous utilisons un wiki et une liste de discussion.",
    )
    response = client.get("/recherche/", {"q": "wiki"})
    assert b'<p class="search-passage">' in response.content
    assert "<mark>wiki</mark>" in response.content.decode()


def test_a_word_in_a_title_finds_the_thread(event, lea):
    write_thread(general_board(event), lea, title="Gouvernance partagée", body="Parlons-en.")
    results = search_posts(query="gouvernance", user=lea, event=event)
    assert [post.thread.title for post in results[0:10]] == ["Gouvernance partagée"]


def test_case_and_accents_do_not_matter(event, lea):
    write_thread(
        general_board(event), lea, title="Entraide", body="Les Coopératives d'activité et d'emploi."
    )
    for query in ("coopératives", "COOPERATIVES", "Coopérative", "cooperative"):
        results = search_posts(query=query, user=lea, event=event)
        assert len(results) == 1, query


def test_every_word_of_the_query_must_match(event, lea):
    board = general_board(event)
    write_thread(board, lea, title="Un", body="Le wiki de la coopérative.")
    write_thread(board, lea, title="Deux", body="Le wiki du réseau.")
    results = search_posts(query="wiki réseau", user=lea, event=event)
    assert [post.thread.title for post in results[0:10]] == ["Deux"]


def test_a_word_written_with_a_minus_excludes_the_posts_holding_it(event, lea):
    board = general_board(event)
    write_thread(board, lea, title="Un", body="Le wiki de la coopérative.")
    write_thread(board, lea, title="Deux", body="Le wiki du réseau.")
    results = search_posts(query="wiki -réseau", user=lea, event=event)
    assert [post.thread.title for post in results[0:10]] == ["Un"]


def test_little_words_of_the_query_are_not_required(event, lea):
    write_thread(general_board(event), lea, title="Outils", body="Un wiki partagé.")
    results = search_posts(query="le wiki", user=lea, event=event)
    assert [post.thread.title for post in results[0:10]] == ["Outils"]
    assert "<mark>" not in str(results[0].passage_html).replace("<mark>wiki</mark>", "")


@postgresql_only
def test_postgresql_french_stemming_finds_plurals_and_related_forms(event, lea):
    board = general_board(event)
    write_thread(board, lea, title="Un", body="Les coopératives de production.")
    write_thread(board, lea, title="Deux", body="Des réseaux coopératifs en Europe.")
    write_thread(board, lea, title="Trois", body="Nous parlons de logiciels libres.")
    results = search_posts(query="coopérative", user=lea, event=event)
    assert sorted(post.thread.title for post in results[0:10]) == ["Deux", "Un"]
    singular = search_posts(query="réseau", user=lea, event=event)
    assert [post.thread.title for post in singular[0:10]] == ["Deux"]


@postgresql_only
def test_postgresql_ranks_a_title_match_above_a_body_match(event, lea):
    board = general_board(event)
    write_thread(board, lea, title="Divers", body="On a parlé de mutualisation hier.")
    write_thread(board, lea, title="Mutualisation des outils", body="Quels outils partager ?")
    results = search_posts(query="mutualisation", user=lea, event=event)
    assert [post.thread.title for post in results[0:10]] == ["Mutualisation des outils", "Divers"]


@pytest.fixture
def unaccent_installed(db):
    """The unaccent extension, inside the test's transaction (rolled back after)."""
    if connection.vendor != "postgresql":
        pytest.skip("unaccent is a PostgreSQL extension")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")
        if cursor.fetchone() is None:
            pytest.skip("the unaccent extension is not available on this server")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    search_module.forget_extensions()
    yield
    search_module.forget_extensions()


def test_postgresql_uses_unaccent_when_it_is_installed(event, lea, unaccent_installed):
    write_thread(general_board(event), lea, title="Un", body="Un réseau d'écoles.")
    assert search_module.has_unaccent()
    results = search_posts(query="reseau ecoles", user=lea, event=event)
    assert [post.thread.title for post in results[0:10]] == ["Un"]


def test_script_in_a_post_never_reaches_the_page_unescaped(client, event, lea):
    write_thread(
        general_board(event),
        lea,
        title="Sécurité",
        body="Attention <script>alert('coop')</script> et <img src=x onerror=alert(2)> ici.",
    )
    results = search_posts(query="attention", user=lea, event=event)
    html = str(results[0].passage_html)
    assert "<mark>" in html
    assert "<script" not in html and "<img" not in html
    response = client.get("/recherche/", {"q": "attention"})
    content = response.content.decode()
    assert "<script>alert" not in content
    assert "<img src=x" not in content
    assert "&lt;script&gt;" in content or "script" not in html


def test_posts_of_a_private_session_are_hidden_from_anonymous_readers(client, event, sessions):
    make_private(sessions[2])
    author = participant(event, display_name="Paul")
    write_thread(board_of(sessions[2]), author, title="Confidentiel", body="Budget prévisionnel.")
    write_thread(general_board(event), author, title="Public", body="Budget de la fête.")
    response = client.get("/recherche/", {"q": "budget"})
    assert found(response) == ["Public"]
    assert "Confidentiel" not in page_text(response)
    client.force_login(participant(event))
    response = client.get("/recherche/", {"q": "budget"})
    assert sorted(found(response)) == ["Confidentiel", "Public"]


def test_hidden_posts_are_found_only_by_moderators(client, event, lea):
    thread = write_thread(general_board(event), lea, title="Annonce", body="Rendez-vous gare.")
    hide(first_post(thread), event=event)
    client.force_login(participant(event))
    assert found(client.get("/recherche/", {"q": "gare"})) == []
    client.force_login(organiser(event))
    response = client.get("/recherche/", {"q": "gare"})
    assert found(response) == ["Annonce"]
    assert "masqué" in page_text(response)


def test_results_come_one_per_thread_twenty_threads_to_a_page(client, event, lea):
    board = general_board(event)
    thread = write_thread(board, lea, title="Compte rendu", body="Atelier 0.")
    for number in range(1, 5):
        reply(thread, lea, body=f"Atelier {number} : suite.")
    for number in range(24):
        write_thread(board, lea, title=f"Fil {number}", body=f"Un atelier de plus, le {number}.")
    first = client.get("/recherche/", {"q": "atelier"})
    assert "25 fils trouvés." in page_text(first)
    assert len(first.context["page"]) == 20
    assert ("a", {"rel": "next", "href": "?q=atelier&page=2"}) in elements(first)
    second = client.get("/recherche/", {"q": "atelier", "page": 2})
    assert len(second.context["page"]) == 5
    assert ("a", {"rel": "prev", "href": "?q=atelier&page=1"}) in elements(second)
    hits = [*first.context["page"], *second.context["page"]]
    assert len({hit.thread.pk for hit in hits}) == 25
    (report,) = [hit for hit in hits if hit.thread == thread]
    assert report.match_count == 5 and len(report.posts) == 3
    assert "5 messages trouvés" in page_text(first) + page_text(second)


def test_an_out_of_range_page_shows_the_last_one(client, event, lea):
    write_thread(general_board(event), lea, title="Seul", body="Un mot rare : ornithorynque.")
    response = client.get("/recherche/", {"q": "ornithorynque", "page": 99})
    assert found(response) == ["Seul"]


def test_every_page_has_a_search_box(client, event):
    response = client.get("/")
    forms = [attrs for tag, attrs in elements(response) if tag == "form"]
    assert {"class": "site-search", "action": "/recherche/", "method": "get", "role": "search"} in (
        forms
    )
    assert (
        "input",
        {
            "type": "search",
            "id": "site-search-q",
            "name": "q",
            "value": "",
            "maxlength": "200",
            "placeholder": "Rechercher…",
        },
    ) in elements(response)


def test_a_very_long_query_is_cut_not_refused(client, event):
    response = client.get("/recherche/", {"q": "coopérative " * 100})
    assert response.status_code == 200
    assert len(response.context["search_query"]) == 200


def test_the_passage_folds_accents_and_escapes_the_text():
    html = passage("Les Écoles <b>coopératives</b> & le reste.", ["ecole", "cooperative"])
    assert html == (
        "Les <mark>École</mark>s &lt;b&gt;<mark>coopérative</mark>s&lt;/b&gt; &amp; le reste."
    )


def test_a_long_passage_is_cut_around_the_first_match():
    text = "début " * 100 + "le mot trouvé " + "fin " * 100
    html = passage(text, ["trouve"])
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>trouvé</mark>" in html
    assert len(html) < 300


def test_folding_keeps_one_character_for_one():
    assert fold("Œuvre Écoles İstanbul ÇA") == "œuvre ecoles istanbul ca"
    assert len(fold("Œuvre Écoles İstanbul")) == len("Œuvre Écoles İstanbul")


def test_a_results_page_takes_a_fixed_number_of_queries(
    client, event, sessions, lea, django_assert_max_num_queries
):
    make_private(sessions[1])
    client.force_login(lea)
    client.get("/recherche/", {"q": "rien"})  # her account is then read from the cache
    boards = (general_board(event), board_of(sessions[1]), board_of(sessions[2]))
    for board in boards:
        write_thread(board, lea, title="Plénière", body="Compte rendu de plénière.")
    with django_assert_max_num_queries(20) as few:
        assert len(client.get("/recherche/", {"q": "plénière"}).context["page"]) == 3
    for thread in Thread.objects.all():
        for number in range(12):
            reply(thread, participant(event), body=f"Plénière, remarque {number}.")
    # Writing the replies can outlast the account's minute in the cache on a loaded
    # machine: read it into the cache again, so that both pages are measured alike.
    client.get("/recherche/", {"q": "rien"})
    with django_assert_max_num_queries(20) as many:
        page = client.get("/recherche/", {"q": "plénière"}).context["page"]
        assert [len(hit.posts) for hit in page] == [3, 3, 3]
    assert len(many.captured_queries) == len(few.captured_queries)
