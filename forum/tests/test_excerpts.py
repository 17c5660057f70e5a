"""Excerpts of posts read as text: what the reader reads of the rendered post, never
its Markdown (`**gras**`, `> >`), on the search page and the session's live page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from forum.rendering import html_to_text, markdown_to_html
from forum.tests.board_factories import board_for, make_thread
from forum.tests.reading import page_text
from forum.tests.search_factories import general_board, reply, write_thread

MARKDOWN = (
    "Alice a écrit :\n\n> > Une citation de citation.\n> Une citation.\n\n"
    "Merci pour le **questionnaire** et le [_lien_](https://exemple.org), "
    "voir `code` & <b>ça</b>.\n\n- un\n- deux"
)
MARKERS = re.compile(r"\*\*|(^|\s)(&gt;|>)(\s|&gt;|>)|\]\(|`|(^|\s)- ")


def test_the_text_of_a_post_drops_markers_tags_and_quotes():
    text = html_to_text(markdown_to_html(MARKDOWN))
    assert text == (
        "Alice a écrit : Merci pour le questionnaire et le lien, voir code & <b>ça</b>. un deux"
    )


def test_a_post_that_is_only_a_quote_shows_the_quote_marked():
    assert html_to_text(markdown_to_html("> Tout à fait **d'accord**.")) == (
        "« Tout à fait d'accord. »"
    )


def test_search_results_show_the_text_without_markdown(client, event, lea):
    write_thread(general_board(event), lea, title="Retours", body=MARKDOWN)
    response = client.get("/recherche/", {"q": "questionnaire"})
    passage = re.search(
        r'<p class="search-passage">(.*?)</p>', response.content.decode(), re.S
    ).group(1)
    assert "<mark>questionnaire</mark>" in passage
    plain = re.sub(r"</?mark>", "", passage)
    assert not MARKERS.search(plain), plain
    assert "Une citation" not in plain
    assert "le lien, voir code &amp; &lt;b&gt;ça&lt;/b&gt;" in plain


def test_the_live_pages_latest_posts_show_the_text_without_markdown(sessions, alice):
    session = sessions[1]
    thread = make_thread(board_for(session), author=alice, title="Retours d'expérience")
    reply(thread, alice, body=MARKDOWN)
    response = Client().get(reverse("realtime:session_live", kwargs={"slug": session.slug}))
    excerpts = re.findall(r'<p class="excerpt">(.*?)</p>', response.content.decode(), re.S)
    assert any("questionnaire" in excerpt for excerpt in excerpts), excerpts
    for excerpt in excerpts:
        assert not MARKERS.search(excerpt), excerpt
        assert "Une citation" not in excerpt
    assert "Merci pour le questionnaire et le lien" in page_text(response)


@pytest.mark.parametrize("length", [20, 240])
def test_an_excerpt_is_cut_at_its_length(sessions, alice, length):
    from forum.templatetags.forum_extras import excerpt

    thread = make_thread(board_for(sessions[1]), author=alice, body="mot " * 200)
    post = thread.posts.get(number=1)
    assert len(excerpt(post, length)) == length
    assert excerpt(post, length).endswith("…")
