"""Atom feeds of boards and threads: what a feed reader receives, and what it never does."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from forum.services.posts import post_edit
from forum.tests.search_factories import (
    board_of,
    first_post,
    general_board,
    hide,
    make_private,
    many_posts,
    organiser,
    participant,
    reply,
    write_thread,
    written_at,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(response) -> ET.Element:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)


def entries(root: ET.Element) -> list[dict]:
    """Each entry as the fields a feed reader shows."""
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "content": entry.findtext(f"{ATOM}content"),
            "content_type": entry.find(f"{ATOM}content").get("type"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "published": entry.findtext(f"{ATOM}published"),
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def omar(event):
    return participant(event, display_name="Omar Benali", email="omar@exemple.org")


@pytest.fixture
def conversation(event, sessions, lea, omar):
    """A thread in the first session's board: Léa opens it, Omar answers, Léa again."""
    board = board_of(sessions[1])
    thread = write_thread(board, lea, title="Outils & méthodes", body="Quels **outils** ?")
    start = timezone.now() - timedelta(hours=3)
    written_at(thread, start)
    answer = reply(thread, omar, body="Un wiki.", in_reply_to=first_post(thread))
    written_at(answer, start + timedelta(hours=1))
    again = reply(thread, lea, body="Merci Omar.", in_reply_to=answer)
    written_at(again, start + timedelta(hours=2))
    return thread


def test_a_board_feed_lists_its_posts_newest_first(client, sessions, conversation):
    root = feed(client.get("/forums/travail-collaboratif/atom/"))
    assert root.findtext(f"{ATOM}title") == board_of(sessions[1]).title
    assert [(item["title"], item["author"]) for item in entries(root)] == [
        ("Re: Outils & méthodes", "Léa Martin"),
        ("Re: Outils & méthodes", "Omar Benali"),
        ("Outils & méthodes", "Léa Martin"),
    ]


def test_an_entry_links_to_its_post_and_carries_its_html(client, conversation):
    post = first_post(conversation)
    item = entries(feed(client.get(f"/fils/{conversation.pk}/atom/")))[-1]
    assert item["link"] == f"http://testserver{post.get_absolute_url()}"
    assert item["content"] == post.body_html == "<p>Quels <strong>outils</strong> ?</p>\n"
    assert item["content_type"] == "html"
    assert datetime.fromisoformat(item["published"]) == post.created_at


def test_a_thread_feed_has_the_thread_posts_only(client, event, lea, conversation):
    write_thread(conversation.board, lea, title="Autre fil", body="Rien à voir.")
    root = feed(client.get(f"/fils/{conversation.pk}/atom/"))
    assert root.findtext(f"{ATOM}title") == "Outils & méthodes"
    assert [item["content"] for item in entries(root)] == [
        "<p>Merci Omar.</p>\n",
        "<p>Un wiki.</p>\n",
        "<p>Quels <strong>outils</strong> ?</p>\n",
    ]
    link = root.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert link == f"http://testserver{conversation.get_absolute_url()}"


def test_an_edited_post_is_updated_when_it_was_edited(client, event, conversation):
    post = conversation.posts.get(number=3)
    post_edit(post=post, editor=organiser(event), body="Merci beaucoup Omar.")
    post.refresh_from_db()
    newest = entries(feed(client.get(f"/fils/{conversation.pk}/atom/")))[0]
    assert newest["content"] == "<p>Merci beaucoup Omar.</p>\n"
    assert datetime.fromisoformat(newest["updated"]) == post.edited_at
    assert newest["updated"] != newest["published"]


def test_hidden_posts_are_never_in_a_feed(client, event, conversation):
    hide(conversation.posts.get(number=2), event=event)
    for url in ("/forums/travail-collaboratif/atom/", f"/fils/{conversation.pk}/atom/"):
        response = client.get(url)
        assert [item["author"] for item in entries(feed(response))] == ["Léa Martin"] * 2
        assert b"Un wiki" not in response.content


def test_a_thread_whose_every_post_is_hidden_has_no_feed(client, event, lea):
    thread = write_thread(general_board(event), lea, title="Pourriel", body="Achetez !")
    hide(first_post(thread), event=event)
    assert client.get(f"/fils/{thread.pk}/atom/").status_code == 404
    assert b"Pourriel" not in client.get("/forums/general/atom/").content


def test_no_email_address_is_ever_written(client, conversation):
    for url in ("/forums/travail-collaboratif/atom/", f"/fils/{conversation.pk}/atom/"):
        content = client.get(url).content
        assert b"@exemple.org" not in content
        assert b"<email>" not in content


def test_a_private_board_has_no_feed_for_those_who_cannot_see_it(
    client, event, sessions, conversation
):
    make_private(sessions[1])
    assert client.get("/forums/travail-collaboratif/atom/").status_code == 404
    assert client.get(f"/fils/{conversation.pk}/atom/").status_code == 404
    client.force_login(participant(event))
    assert len(entries(feed(client.get("/forums/travail-collaboratif/atom/")))) == 3
    assert len(entries(feed(client.get(f"/fils/{conversation.pk}/atom/")))) == 3


def test_unknown_boards_and_threads_have_no_feed(client, event):
    assert client.get("/forums/nulle-part/atom/").status_code == 404
    assert client.get("/fils/999999/atom/").status_code == 404


def test_a_board_feed_keeps_the_fifty_latest_posts(
    client, event, lea, django_assert_max_num_queries
):
    thread = write_thread(general_board(event), lea, title="Long fil", body="Début.")
    many_posts(thread, lea, 60)
    with django_assert_max_num_queries(8):
        root = feed(client.get("/forums/general/atom/"))
    items = entries(root)
    assert len(items) == 50
    assert items[0]["content"] == "<p>Message numéro 60.</p>"


def test_script_written_in_a_post_is_not_in_the_feed(client, event, lea):
    write_thread(
        general_board(event),
        lea,
        title="Essai <script>",
        body="<script>alert(1)</script> [lien](javascript:alert(2)) <img src=x onerror=alert(3)>",
    )
    response = client.get("/forums/general/atom/")
    item = entries(feed(response))[0]
    assert item["title"] == "Essai <script>"  # plain text, escaped once by the XML
    assert "<script" not in item["content"]
    assert 'href="javascript:' not in item["content"]
    assert "<img" not in item["content"]


def test_the_feed_link_include_announces_the_feed(conversation):
    template = Template(
        '{% include "forum/_feed_link.html" with feed_thread=thread %}'
        '{% include "forum/_feed_link.html" with feed_board=board %}'
    )
    html = template.render(Context({"thread": conversation, "board": conversation.board}))
    assert (
        f'<link rel="alternate" type="application/atom+xml" href="/fils/{conversation.pk}/atom/"'
        in html
    )
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'href="/forums/travail-collaboratif/atom/"' in html
    )
