"""The thread page asks the database a fixed number of questions, whether the thread
has 10 posts or 500: nothing in the page is fetched post by post."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import page_cache, services
from forum.tests.board_factories import (
    add_posts_in_bulk,
    board_for,
    make_organiser,
    make_participant,
    make_thread,
)

pytestmark = pytest.mark.django_db

# The same ceiling for 10 and for 500 posts; today the page needs about half of it.
MAX_QUERIES = 25


@pytest.fixture
def people(event):
    return {
        "organiser": make_organiser(event, display_name="Odile Organise"),
        "participant": make_participant(event, display_name="Paul Participe"),
        "other": make_participant(event, display_name="Rita Répond"),
    }


def thread_with(count: int, sessions, people):
    authors = [people["organiser"], people["participant"], people["other"]]
    thread = make_thread(board_for(sessions[1]), author=people["participant"], title="Long fil")
    add_posts_in_bulk(thread, count - 1, authors=authors, hidden_every=7)
    # Edited through the service too, so moderators see a real history link.
    services.post_edit(post=thread.posts.get(number=1), editor=people["participant"], body="Revu.")
    return thread


@pytest.mark.parametrize("posts", [10, 500])
@pytest.mark.parametrize("reader", ["anonymous", "participant", "organiser"])
def test_the_thread_page_needs_the_same_few_queries_for_10_or_500_posts(
    client, django_assert_max_num_queries, sessions, people, reader, posts
):
    thread = thread_with(posts, sessions, people)
    if reader != "anonymous":
        client.force_login(people[reader])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["posts"]) == min(posts, 50)


@pytest.mark.parametrize("reader", ["anonymous", "organiser"])
def test_the_last_page_of_a_long_thread_costs_what_the_first_costs(
    client, sessions, people, reader
):
    thread = thread_with(500, sessions, people)
    if reader != "anonymous":
        client.force_login(people[reader])
    counts = []
    for query in ("", "?page=10", f"?post={thread.posts.get(number=480).pk}"):
        client.get(thread.get_absolute_url() + query)  # the first visit writes the read mark
        if reader != "anonymous":
            # Rendered, not taken from the page cache (test_page_cache_signed_in.py).
            page_cache.invalidate([page_cache.user_scope(people[reader].pk)])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(thread.get_absolute_url() + query)
        assert response.status_code == 200
        counts.append(len(captured))
    assert max(counts) <= MAX_QUERIES
    assert max(counts) - min(counts) <= 1  # ?post= looks up the post's number once


def test_a_moderators_long_page_shows_hidden_posts_with_who_hid_them(client, sessions, people):
    thread = thread_with(60, sessions, people)
    client.force_login(people["organiser"])
    response = client.get(thread.get_absolute_url())
    content = response.content.decode()
    assert content.count("Message masqué par la modération") == 7  # numbers 7, 14, … 49
    assert "Masqué par Odile Organise" in content
    assert "Historique des modifications" in content


@pytest.mark.parametrize("reader", ["participant", "organiser"])
def test_a_page_whose_posts_are_cached_reads_no_author_or_attachment_rows(
    client, sessions, people, reader
):
    """With every post's shared part in the cache, the page reads the posts' own
    fields only; the first visit, which rendered them, read the rest once."""
    thread = thread_with(60, sessions, people)
    client.force_login(people[reader])
    first = client.get(thread.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        again = client.get(thread.get_absolute_url())
    assert again.content.count(b"data-post>") == first.content.count(b"data-post>") == 50
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    assert "forum_attachment" not in tables
    posts_queries = [q["sql"] for q in captured.captured_queries if 'FROM "forum_post"' in q["sql"]]
    assert posts_queries and all("auth_user" not in sql for sql in posts_queries)
