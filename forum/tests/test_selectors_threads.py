"""What a thread page shows its reader, as forum.selectors.thread_page_read reads it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from forum import selectors
from forum.models import FollowLevel
from forum.services.posts import edit_window_end
from forum.tests.board_factories import make_thread, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(board, alice, bruno):
    thread = make_thread(board, author=alice, title="Les outils partagés", body="Premier.")
    reply(thread, author=bruno, body="Deuxième.")
    reply(thread, author=bruno, body="Troisième.")
    thread.refresh_from_db()
    return thread


def read_for(user, thread):
    return selectors.thread_page_read(
        thread=thread, user=user, page_number=1, around_post=None, light=False
    )


def test_the_author_sees_where_new_posts_start_and_may_edit_their_own(thread, alice):
    read = read_for(alice, thread)
    assert [post.number for post in read.posts] == [1, 2, 3]
    assert (read.last_read, read.first_new.number, read.new_count) == (1, 2, 2)
    assert read.read_to == 3
    assert [post.editable for post in read.posts] == [True, False, False]
    assert read.edits_close_at == edit_window_end(read.posts[0])
    assert (read.may_post, read.may_reply, read.moderator) == (True, True, False)
    assert read.follow_level == FollowLevel.WEB
    assert read.move_targets is None


def test_a_moderator_edits_at_any_time_and_may_move_the_thread(thread, organiser, board):
    thread.is_locked = True
    read = read_for(organiser, thread)
    assert read.moderator and read.may_reply
    assert all(post.editable for post in read.posts)
    assert read.edits_close_at is None
    assert read.move_targets and board not in read.move_targets


def test_an_anonymous_reader_has_nothing_new_nothing_to_mark_and_no_follow(thread):
    read = read_for(AnonymousUser(), thread)
    assert (read.first_new, read.new_count, read.read_to) == (None, 0, None)
    assert (read.may_reply, read.follow_level, read.edits_close_at) == (False, None, None)
    assert not any(post.editable for post in read.posts)
