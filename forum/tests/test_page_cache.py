"""The page cache for readers who are not signed in (forum/page_cache.py): served from
the cache while nothing changed, fresh as soon as anything on the page changes, never
to a signed-in reader, and never broken by a cache that fails. Signed-in readers:
test_page_cache_signed_in.py."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from config.testing import cache_fails
from forum import services
from forum.services import PostDraft
from forum.tests.board_factories import (
    board_for,
    general_board,
    make_organiser,
    make_private,
    make_thread,
    reply,
)
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db


# The factory's organiser, in place of forum/tests/conftest.py's named one.
@pytest.fixture
def organiser(event):
    return make_organiser(event)


def _read(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response, page_text(response)


def test_second_anonymous_reader_gets_the_same_page_from_the_cache(client, thread):
    url = thread.get_absolute_url()
    first, first_text = _read(client, url)
    second, second_text = _read(Client(), url)
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second_text == first_text
    assert "Premier message." in second_text


def test_a_new_post_shows_at_once(client, thread, alice):
    url = thread.get_absolute_url()
    _read(client, url)
    reply(thread, author=alice, body="Une réponse toute fraîche.")
    response, text = _read(client, url)
    assert response["X-Page-Cache"] == "miss"
    assert "Une réponse toute fraîche." in text
    assert "2 messages" in text


@pytest.mark.parametrize("road", ["alone", "in a chunk"])
def test_a_reply_alone_or_in_a_chunk_changes_the_same_pages(client, board, thread, alice, road):
    """A reply from the reply form or one email (post_add) and replies written together
    (a chunk of emails, posts_create): their thread's and board's pages change at once,
    another thread's page stays served from the cache."""
    other = make_thread(board, author=alice, title="Un fil sans réponse")
    pages = [thread.get_absolute_url(), board.get_absolute_url(), other.get_absolute_url()]
    for url in pages:
        _read(client, url)
    drafts = [PostDraft(thread=thread, author=alice, body="Une réponse toute fraîche.")]
    if road == "alone":
        services.post_add(draft=drafts[0])
    else:
        drafts.append(PostDraft(thread=thread, author=alice, body="Et une autre."))
        with transaction.atomic():
            services.posts_create(drafts=drafts)
    (thread_page, thread_text), (board_page, board_text), (other_page, _text) = (
        _read(client, url) for url in pages
    )
    assert [thread_page["X-Page-Cache"], board_page["X-Page-Cache"]] == ["miss", "miss"]
    assert other_page["X-Page-Cache"] == "hit"
    assert "Une réponse toute fraîche." in thread_text
    assert f"{len(drafts) + 1} messages" in thread_text
    assert f"Messages : {len(drafts) + 1}" in board_text  # the thread's row


def test_the_board_page_follows_new_threads_and_posts(client, board, thread, alice):
    url = board.get_absolute_url()
    _read(client, url)
    make_thread(board, author=alice, title="Un fil arrivé ensuite")
    _response, text = _read(client, url)
    assert "Un fil arrivé ensuite" in text


def test_an_edit_a_hidden_post_and_a_new_name_show_at_once(client, thread, alice, organiser):
    url = thread.get_absolute_url()
    answer = reply(thread, author=alice, body="Texte avant correction.")
    _read(client, url)

    services.post_edit(post=answer, editor=alice, body="Texte corrigé.")
    _response, text = _read(client, url)
    assert "Texte corrigé." in text and "Texte avant correction." not in text

    services.post_hide(post=answer, moderator=organiser, reason="hors sujet")
    _response, text = _read(client, url)
    assert "Texte corrigé." not in text
    assert "Message masqué par la modération" in text

    alice.profile.display_name = "Alice Nouvelle"
    alice.profile.save()
    _response, text = _read(client, url)
    assert "Alice Nouvelle" in text and "Alice Coopère" not in text


def test_a_moved_thread_leaves_the_old_board_and_reaches_the_new(
    client, event, board, thread, organiser
):
    general = general_board(event)
    for url in (board.get_absolute_url(), general.get_absolute_url(), thread.get_absolute_url()):
        _read(client, url)
    services.thread_move(thread=thread, moderator=organiser, board=general)
    assert "Les outils partagés" not in _read(client, board.get_absolute_url())[1]
    assert "Les outils partagés" in _read(client, general.get_absolute_url())[1]
    assert f"Forums › {general.title}" in _read(client, thread.get_absolute_url())[1]


def test_lock_shows_at_once(client, thread, organiser):
    url = thread.get_absolute_url()
    _read(client, url)
    services.thread_lock(thread=thread, moderator=organiser, locked=True)
    assert "Ce fil est verrouillé" in _read(client, url)[1]


def test_french_and_english_readers_each_get_their_language(client, thread):
    url = thread.get_absolute_url()
    _read(client, url, HTTP_ACCEPT_LANGUAGE="fr")
    english, english_text = _read(Client(), url, HTTP_ACCEPT_LANGUAGE="en")
    french, french_text = _read(Client(), url, HTTP_ACCEPT_LANGUAGE="fr")
    assert french["X-Page-Cache"] == "hit"
    assert "Connectez-vous pour répondre" in french_text
    assert "Sign in to reply" in english_text
    assert "Connectez-vous pour répondre" not in english_text


def test_a_cached_page_carries_a_working_csrf_token_for_each_reader(thread):
    url = thread.get_absolute_url()
    Client().get(url)
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(url)
    assert page["X-Page-Cache"] == "hit"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert "\x00" not in token
    answer = reader.post(
        reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302, "the language form of a cached page must still work"
    assert reader.cookies["django_language"].value == "en"


def test_signed_in_readers_never_get_the_anonymous_page(client, thread, alice):
    url = thread.get_absolute_url()
    Client().get(url)
    assert Client().get(url)["X-Page-Cache"] == "hit"
    client.force_login(alice)
    response, text = _read(client, url)
    assert response["X-Page-Cache"] == "miss"
    assert "Publier la réponse" in text
    assert "Connectez-vous pour répondre" not in text
    # …nor an anonymous reader a signed-in one's.
    _response, anonymous_text = _read(Client(), url)
    assert "Connectez-vous pour répondre" in anonymous_text
    assert "Publier la réponse" not in anonymous_text


def test_pages_with_a_flash_message_are_neither_served_nor_stored(client, thread, alice):
    url = thread.get_absolute_url()
    Client().get(url)
    client.force_login(alice)
    client.post(reverse("account_logout"))  # leaves "Vous avez été déconnecté" to show
    response = client.get(url)
    assert "X-Page-Cache" not in response
    assert "X-Page-Cache" not in client.get(url) or client.get(url)["X-Page-Cache"] == "hit"


def test_private_threads_stay_unseen_and_are_not_cached(client, sessions, alice, event):
    private_board = board_for(make_private(sessions[2]))
    secret = make_thread(private_board, author=alice, title="Entre nous")
    assert client.get(secret.get_absolute_url()).status_code == 404
    response = client.get(secret.get_absolute_url())
    assert response.status_code == 404 and "X-Page-Cache" not in response


def test_unknown_query_parameters_are_not_cached(client, thread):
    response = client.get(thread.get_absolute_url(), {"utm_source": "liste"})
    assert response.status_code == 200 and "X-Page-Cache" not in response


def test_zero_seconds_turns_the_cache_off(client, thread, settings):
    settings.INTERCOOP_PAGE_CACHE_SECONDS = 0
    client.get(thread.get_absolute_url())
    assert "X-Page-Cache" not in client.get(thread.get_absolute_url())


def test_a_failing_cache_leaves_pages_rendered(client, thread, monkeypatch, caplog):
    cache_fails(monkeypatch, "get_many")
    response, text = _read(client, thread.get_absolute_url())
    assert "Premier message." in text
    assert "page cache unavailable" in caplog.text


def test_an_evicted_version_never_brings_an_old_page_back(client, thread, alice):
    url = thread.get_absolute_url()
    _read(client, url)
    reply(thread, author=alice, body="Après l'éviction.")
    cache.clear()  # versions and pages gone, as after a restart of the cache
    assert "Après l'éviction." in _read(client, url)[1]


def test_a_deploy_of_new_code_or_templates_starts_from_new_pages(client, thread, monkeypatch):
    from forum import page_cache

    url = thread.get_absolute_url()
    _read(client, url)
    assert _read(client, url)[0]["X-Page-Cache"] == "hit"
    monkeypatch.setattr(page_cache, "_release", "the-next-release")
    assert _read(client, url)[0]["X-Page-Cache"] == "miss"


def test_the_release_digest_follows_the_templates(settings, tmp_path, monkeypatch):
    from forum import page_cache

    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>un</p>")
    settings.BASE_DIR = tmp_path
    monkeypatch.setattr(page_cache, "_release", None)
    before = page_cache.release()
    page.write_text("<p>deux, plus long</p>")
    monkeypatch.setattr(page_cache, "_release", None)
    assert page_cache.release() != before


def test_a_new_thread_leaves_the_other_boards_pages_cached(client, event, board, alice):
    other = general_board(event).get_absolute_url()
    _read(client, other)
    make_thread(board, author=alice, title="Un fil ailleurs")
    assert _read(client, other)[0]["X-Page-Cache"] == "hit"
    assert "Un fil ailleurs" in _read(client, board.get_absolute_url())[1]


def test_posts_written_in_a_batch_change_the_pages_once_at_its_end(
    client, thread, alice, monkeypatch, django_capture_on_commit_callbacks
):
    """A worker's chunk of emailed replies (forum.events.batched): the tokens of all its
    posts are replaced together when the chunk ends, before its live pushes go out."""
    from forum import events, page_cache

    url = thread.get_absolute_url()
    _read(client, url)
    replaced = []
    real = page_cache._replace
    monkeypatch.setattr(
        page_cache, "_replace", lambda scopes: (replaced.append(scopes), real(scopes))
    )
    order = []
    with events.batched():
        for body in ("Première réponse du lot.", "Seconde réponse du lot."):
            with django_capture_on_commit_callbacks(execute=True):  # each one committed
                reply(thread, author=alice, body=body)
        assert replaced == []
        assert events.collect("later", ["push"], order.extend)
    assert replaced == [[f"thread:{thread.pk}", f"board:{thread.board.slug}", "activity"]]
    assert order == ["push"]
    response, text = _read(client, url)
    assert response["X-Page-Cache"] == "miss"
    assert "Seconde réponse du lot." in text
