"""The shared part of each post, cached for signed-in readers (forum/post_fragments.py):
what a reader sees is what the page showed before any caching, fresh as soon as a post,
a name or the thread changes, never another role's, language's or right's version, and
still there when the cache fails."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from config.testing import cache_fails
from forum import post_fragments, services
from forum.models import Attachment
from forum.tests.board_factories import add_posts_in_bulk, age, make_participant, reply
from forum.tests.factories import make_user
from forum.tests.reading import page_text
from realtime import fragments

pytestmark = pytest.mark.django_db

HIDE_FORM = 'class="hide-post"'


@pytest.fixture
def carole(event):
    return make_participant(event, display_name="Carole Sociétaire")


@pytest.fixture
def dora(event):
    return make_participant(event, display_name="Dora Adhérente")


@pytest.fixture
def renders(monkeypatch):
    """How many posts were rendered rather than taken from the cache."""
    calls = []
    original = post_fragments._render

    def counting(post, context):
        calls.append(post.pk)
        return original(post, context)

    monkeypatch.setattr(post_fragments, "_render", counting)
    return calls


def signed_in(person, **headers) -> Client:
    client = Client(**headers)
    client.force_login(person)
    return client


def read(client, thread, query: str = "") -> tuple[str, str]:
    response = client.get(thread.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode(), page_text(response)


def test_a_second_reader_gets_the_same_page_without_rendering_the_posts_again(
    thread, alice, bruno, carole, dora, organiser, renders
):
    add_posts_in_bulk(thread, 12, authors=[organiser, alice, bruno], hidden_every=5)
    Attachment.objects.create(
        post=thread.posts.get(number=4),
        filename="compte-rendu.pdf",
        content_type="application/pdf",
        size=2048,
        path="test/compte-rendu.pdf",
    )
    first_html, first_text = read(signed_in(carole), thread)
    assert len(renders) == 13
    second_html, second_text = read(signed_in(dora), thread)
    assert len(renders) == 13, "the second reader's posts come from the cache"
    assert second_text == first_text
    assert "compte-rendu.pdf" in second_text
    assert "Afficher le message entier" in second_text  # posts 3, 6, 9, 12 came by email
    assert "Message masqué par la modération" in second_text
    assert "Répondre" in second_text and "Citer" in second_text

    def per_reader(html: str) -> str:
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
        html = re.sub(
            r'value="[^"]*" name="submission_key"|name="submission_key" value="[^"]*"', "", html
        )
        return re.sub(r'data-live-user="[^"]*"', "", html)

    assert per_reader(second_html) == per_reader(first_html)


def test_a_reload_shows_the_post_as_the_live_update_does(thread, alice, bruno):
    answer = reply(thread, author=alice, body="Une réponse **en direct**.")
    client = signed_in(bruno)
    read(client, thread)  # marks the thread read: no "new" mark left on the second visit
    html, _text = read(client, thread)
    on_page = re.search(rf'<li class="post[^"]*" id="post-{answer.pk}".*?</li>', html, re.S)[0]
    live = fragments.render("thread.post", fragments.post_for_fragments(answer.pk))["fr"]
    assert on_page == live


def test_an_edit_a_hidden_post_and_a_new_name_show_at_once(thread, alice, bruno, organiser):
    answer = reply(thread, author=alice, body="Texte avant correction.")
    reply(thread, author=bruno, body="Je réponds à Alice.", in_reply_to=answer)
    reader = signed_in(bruno)
    read(reader, thread)

    services.post_edit(post=answer, editor=alice, body="Texte corrigé.")
    _html, text = read(reader, thread)
    assert "Texte corrigé." in text and "Texte avant correction." not in text
    assert "modifié" in text

    alice.profile.display_name = "Alice Nouvelle"
    alice.profile.save()
    _html, text = read(reader, thread)
    assert "Alice Coopère" not in text
    assert "en réponse à Alice Nouvelle (#2)" in text

    services.post_hide(post=answer, moderator=organiser, reason="hors sujet")
    _html, text = read(reader, thread)
    assert "Texte corrigé." not in text
    assert "Message masqué par la modération" in text


def test_a_new_attachment_shows_at_once(thread, bruno):
    reader = signed_in(bruno)
    read(reader, thread)
    Attachment.objects.create(
        post=thread.posts.get(number=1),
        filename="ordre-du-jour.txt",
        content_type="text/plain",
        size=10,
        path="test/ordre-du-jour.txt",
    )
    assert "ordre-du-jour.txt" in read(reader, thread)[1]


@pytest.mark.parametrize("moderator_first", [True, False])
def test_moderators_and_participants_never_get_each_others_posts(
    thread, alice, bruno, organiser, moderator_first
):
    hidden = reply(thread, author=alice, body="Propos déplacés.")
    services.post_hide(post=hidden, moderator=organiser, reason="hors sujet")
    participant, moderator = signed_in(bruno), signed_in(organiser)
    order = [moderator, participant] if moderator_first else [participant, moderator]
    for client in order:
        read(client, thread)

    html, text = read(moderator, thread)
    assert "Propos déplacés." in text
    assert "Masqué par Odile Organise" in text
    assert HIDE_FORM in html and "Rendre visible" in text
    assert 'name="csrfmiddlewaretoken"' in html

    html, text = read(participant, thread)
    assert "Message masqué par la modération" in text
    assert "Propos déplacés." not in text and "Masqué par" not in text
    assert HIDE_FORM not in html and "Rendre visible" not in text


def test_an_english_reader_gets_english_posts(thread, alice, bruno):
    add_posts_in_bulk(thread, 3, authors=[alice, bruno])  # 3 came by email, 4 answers it
    read(signed_in(bruno), thread)
    _html, text = read(signed_in(bruno, HTTP_ACCEPT_LANGUAGE="en"), thread)
    assert "Reply" in text and "Quote" in text
    assert "via email" in text and "Show the full message" in text
    assert "in reply to Alice Coopère (#3)" in text
    for french in ("Répondre", "Citer", "source : courriel", "en réponse à"):
        assert french not in text
    _html, text = read(signed_in(bruno), thread)
    assert "Répondre" in text and "Reply" not in text


@pytest.mark.parametrize("replier_first", [True, False])
def test_reply_links_only_for_readers_who_may_reply(thread, alice, bruno, replier_first):
    reply(thread, author=alice, body="Une réponse.")
    participant = signed_in(bruno)
    outsider = signed_in(make_user(display_name="Oscar Dehors"))  # signed in, not registered
    for client in [participant, outsider] if replier_first else [outsider, participant]:
        read(client, thread)

    html, _text = read(participant, thread)
    assert html.count("data-reply ") == 2 and html.count("data-quote ") == 2
    html, text = read(outsider, thread)
    assert "data-reply " not in html and "data-quote " not in html
    assert "Inscrivez-vous aux journées pour répondre" in text


def test_a_locked_thread_leaves_reply_links_to_moderators(thread, alice, bruno, organiser):
    reply(thread, author=alice, body="Une réponse.")
    participant = signed_in(bruno)
    assert read(participant, thread)[0].count("data-reply ") == 2

    services.thread_lock(thread=thread, moderator=organiser, locked=True)
    html, text = read(participant, thread)
    assert "data-reply " not in html and "data-quote " not in html
    assert "Ce fil est verrouillé" in text
    assert read(signed_in(organiser), thread)[0].count("data-reply ") == 2


def test_reply_links_lead_to_the_page_that_holds_the_post(thread, alice, bruno, settings):
    reply(thread, author=alice, body="Une réponse.")
    third = reply(thread, author=alice, body="Encore une.")
    reader = signed_in(bruno)
    settings.INTERCOOP_POSTS_PER_PAGE = 2
    assert f"?page=2&amp;reply_to={third.pk}#reply" in read(reader, thread, "?page=2")[0]
    settings.INTERCOOP_POSTS_PER_PAGE = 50  # a new setting, the same posts
    assert f"?page=1&amp;reply_to={third.pk}#reply" in read(reader, thread)[0]


def test_the_edit_link_only_for_the_author_within_the_edit_window(thread, alice, bruno):
    answer = reply(thread, author=alice, body="Ma réponse.")
    edit_link = f'href="/messages/{answer.pk}/modifier/"'
    author = signed_in(alice)
    assert edit_link in read(author, thread)[0]
    assert edit_link not in read(signed_in(bruno), thread)[0]
    age(answer, minutes=24 * 60)  # not a change the page shows: the posts stay cached
    # ("?page=1": not the page the author has in the page cache, which leaves it when the
    # window closes: test_page_cache_signed_in.py)
    assert edit_link not in read(author, thread, "?page=1")[0]


def test_a_failing_cache_still_renders_the_page(thread, alice, bruno, monkeypatch, caplog):
    reply(thread, author=alice, body="Une réponse.")

    cache_fails(monkeypatch, "get_many")
    _html, text = read(signed_in(bruno), thread)
    assert "Premier message." in text and "Une réponse." in text and "Répondre" in text
    assert "post fragments: cache unavailable" in caplog.text


def test_a_cache_that_cannot_store_still_renders_the_page(thread, bruno, monkeypatch, caplog):
    cache_fails(monkeypatch, "set_many", error="cache full")
    assert "Premier message." in read(signed_in(bruno), thread)[1]
    assert "Premier message." in read(signed_in(bruno), thread)[1]


def test_zero_seconds_renders_every_time(thread, bruno, settings, renders):
    settings.INTERCOOP_PAGE_CACHE_SECONDS = 0
    reader = signed_in(bruno)
    read(reader, thread)
    read(reader, thread)
    assert len(renders) == 2
