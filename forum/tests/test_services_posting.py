"""Many posts at once (forum.services.posting.posts_create, the mail pipeline's chunks):
each lands as alone, a refused one keeps no other back, and the posts and read marks
are one statement each."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from forum import events, page_cache
from forum.errors import NotAllowed, ThreadLocked
from forum.models import Post, ReadMark, Thread
from forum.services import PostDraft, posts_create, thread_lock
from forum.tests.board_factories import make_organiser, make_participant, make_thread
from forum.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(event):
    return make_participant(event, display_name="Alice"), make_participant(
        event, display_name="Bruno"
    )


@pytest.fixture
def threads(board, people):
    alice, _bruno = people
    return (
        make_thread(board, author=alice, title="Premier fil", body="Un."),
        make_thread(board, author=alice, title="Second fil", body="Deux."),
    )


def _create(drafts):
    with transaction.atomic():
        return posts_create(drafts=drafts)


def test_replies_in_two_threads_are_numbered_in_order_with_their_counters(threads, people):
    first, second = threads
    alice, bruno = people
    results = _create(
        [
            PostDraft(thread=first, author=bruno, body="A"),
            PostDraft(thread=second, author=bruno, body="B"),
            PostDraft(thread=first, author=alice, body="**C**"),
            PostDraft(thread=first, author=bruno, body="D", source="email", message_id="<d@x>"),
        ]
    )
    assert [(post.thread_id, post.number) for post in results] == [
        (first.pk, 2),
        (second.pk, 2),
        (first.pk, 3),
        (first.pk, 4),
    ]
    assert list(first.posts.order_by("number").values_list("body_text", flat=True)) == [
        "Un.",
        "A",
        "**C**",
        "D",
    ]
    assert Post.objects.get(pk=results[2].pk).body_html.strip() == "<p><strong>C</strong></p>"
    assert (results[3].source, results[3].message_id) == ("email", "<d@x>")
    first_now, second_now = Thread.objects.get(pk=first.pk), Thread.objects.get(pk=second.pk)
    assert (first_now.post_count, first_now.last_post_id) == (4, results[3].pk)
    assert (second_now.post_count, second_now.last_post_id) == (2, results[1].pk)
    # Each author has read each thread up to their own last post in it.
    assert ReadMark.objects.get(user=bruno, thread=first).last_read_number == 4
    assert ReadMark.objects.get(user=bruno, thread=second).last_read_number == 2
    assert ReadMark.objects.get(user=alice, thread=first).last_read_number == 3


def test_a_refused_reply_keeps_no_other_back(threads, people, event):
    first, second = threads
    alice, bruno = people
    thread_lock(thread=second, moderator=make_organiser(event), locked=True)
    results = _create(
        [
            PostDraft(thread=second, author=bruno, body="Trop tard"),
            PostDraft(thread=first, author=make_user(), body="Je m'invite"),
            PostDraft(thread=first, author=bruno, body="   "),
            PostDraft(thread=first, author=alice, body="Bienvenue"),
        ]
    )
    assert isinstance(results[0], ThreadLocked)
    assert isinstance(results[1], NotAllowed)
    assert results[2].code == "body_required"
    assert results[3].number == 2
    assert second.posts.count() == 1
    assert list(first.posts.values_list("body_text", flat=True).order_by("number")) == [
        "Un.",
        "Bienvenue",
    ]


def test_the_writes_are_one_statement_per_table_whatever_the_number(threads, people):
    first, second = threads
    _alice, bruno = people

    def inserts(count):
        drafts = [
            PostDraft(thread=(first, second)[n % 2], author=bruno, body=f"R{n}")
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            _create(drafts)
        return [q["sql"].split('"')[1] for q in queries if q["sql"].startswith("INSERT")]

    assert sorted(inserts(2)) == sorted(inserts(10)) == ["forum_post", "forum_readmark"]


def test_each_post_is_published_and_its_pages_are_replaced(threads, people):
    first, second = threads
    _alice, bruno = people
    seen = []

    def heard(**payload):
        seen.append(payload["post"].pk)

    events.subscribe("post_created", heard, atomic=True)
    scopes = [page_cache.thread_scope(first.pk), page_cache.thread_scope(second.pk)]
    before = page_cache.versions(scopes)
    try:
        results = _create(
            [
                PostDraft(thread=first, author=bruno, body="Un"),
                PostDraft(thread=second, author=bruno, body="Deux"),
            ]
        )
    finally:
        events._registry["post_created"].atomic.remove(heard)
    assert seen == [post.pk for post in results]
    after = page_cache.versions(scopes)
    assert after[0] != before[0] and after[1] != before[1]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_nothing_is_written(threads, people):
    first, _second = threads
    with pytest.raises(RuntimeError):
        posts_create(drafts=[PostDraft(thread=first, author=people[1], body="Hors transaction")])
    assert first.posts.count() == 1
