"""The rules of forum.models.visibility give the same answers read for one object
(forum.permissions) as read in SQL (the querysets, who_can_see, the mail
recipients), for every kind of reader and every kind of place."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from forum import services
from forum.models import Board, Post, Registration, RegistrationStatus, Session, Thread
from forum.models.visibility import who_can_see
from forum.permissions import (
    board_rights,
    boards_moderated_by,
    can_moderate,
    can_read_post,
    can_see_board,
    can_see_session,
    is_facilitator,
)
from forum.tests.board_factories import (
    board_for,
    general_board,
    make_facilitator,
    make_organiser,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(event, sessions):
    """Boards of every kind, each with a post shown and a post hidden, and readers
    of every kind (names say what they are)."""
    open_board, private, other_private = (board_for(sessions[n]) for n in (1, 2, 3))
    make_private(sessions[2])
    make_private(sessions[3])
    general = general_board(event)
    author = make_participant(event)
    facilitator = make_facilitator(sessions[2])
    former = make_participant(event)
    Registration.objects.filter(user=former).update(status=RegistrationStatus.CANCELLED)
    named_not_facilitator = make_participant(event)  # named, but with the participant role
    sessions[2].facilitator_users.add(named_not_facilitator)
    readers = {
        "anonymous": AnonymousUser(),
        "stranger": make_user(),
        "former": former,
        "participant": make_participant(event),
        "facilitator": facilitator,
        "facilitator elsewhere": make_facilitator(sessions[3]),
        "named not facilitator": named_not_facilitator,
        "organiser": make_organiser(event),
        "superuser": make_user(is_superuser=True),
        "inactive superuser": _inactive(make_user(is_superuser=True)),
    }
    for board in (general, open_board, private, other_private):
        thread = make_thread(board, author=author)
        services.post_hide(
            post=reply(thread, author=author), moderator=readers["superuser"], reason="Masqué"
        )
    return readers


def _inactive(user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def loaded_boards():
    return list(Board.objects.select_related("session", "event"))


def test_reading_a_board_or_a_session(world):
    for name, reader in world.items():
        boards = set(Board.objects.visible_to(reader))
        sessions = set(Session.objects.visible_to(reader))
        threads = set(Thread.objects.visible_to(reader).values_list("board_id", flat=True))
        for board in loaded_boards():
            sees = can_see_board(reader, board)
            assert (board in boards) == sees, (name, board)
            assert (board.pk in threads) == sees, (name, board)
            if reader.is_authenticated:
                assert who_can_see(board).filter(pk=reader.pk).exists() == sees, (name, board)
        for session in Session.objects.select_related("event"):
            assert (session in sessions) == can_see_session(reader, session), (name, session)


def test_who_reads_the_private_boards(world):
    private = [board for board in loaded_boards() if board.session and board.session.is_private]
    readers = {name for name, reader in world.items() if can_see_board(reader, private[0])}
    assert readers == {
        "participant",
        "facilitator",
        "facilitator elsewhere",
        "named not facilitator",
        "organiser",
        "superuser",
        "inactive superuser",
    }


def test_moderating_a_board(world, sessions):
    private = board_for(sessions[2])
    for name, reader in world.items():
        event = private.event
        moderated = set(boards_moderated_by(reader, event))
        for board in loaded_boards():
            assert (board in moderated) == can_moderate(reader, board), (name, board)
        if name in ("organiser", "superuser", "inactive superuser"):
            assert moderated == set(loaded_boards())
        elif name == "facilitator":
            assert moderated == {private}
        elif name == "facilitator elsewhere":
            assert moderated == {board_for(sessions[3])}
        else:
            assert moderated == set(), name
        for board in loaded_boards():
            if board.session is not None:  # a session's live page, moderated as its board
                assert is_facilitator(reader, board.session) == can_moderate(reader, board)


def test_reading_a_post(world):
    posts = list(Post.objects.select_related("thread__board__session"))
    assert {post.is_hidden for post in posts} == {True, False}
    for name, reader in world.items():
        readable = set(Post.objects.visible_to(reader))
        for post in posts:
            assert (post in readable) == can_read_post(reader, post), (name, post)
    facilitator_reads = {
        (post.thread.board.session_id, post.is_hidden)
        for post in posts
        if can_read_post(world["facilitator"], post)
    }
    # Hidden posts in the board they moderate only.
    assert {hidden for _session, hidden in facilitator_reads} == {True, False}
    assert sum(hidden for _session, hidden in facilitator_reads) == 1


def test_the_visible_posts_and_threads_leave_the_hidden_ones_out(world):
    assert not Post.objects.visible().filter(is_hidden=True).exists()
    assert Post.objects.visible().count() == Post.objects.filter(is_hidden=False).count() == 4
    thread = Thread.objects.first()
    Post.objects.filter(thread=thread).update(is_hidden=True)
    assert set(Thread.objects.visible()) == set(Thread.objects.exclude(pk=thread.pk))
    counted = Thread.objects.with_visible_posts().get(pk=Thread.objects.visible().first().pk)
    assert counted.visible_post_count == 1


def test_the_facts_of_a_board_ask_the_database_only_when_the_rule_needs_them(
    world, sessions, django_assert_num_queries
):
    open_board = Board.objects.select_related("session").get(session=sessions[1])
    private = Board.objects.select_related("session").get(session=sessions[2])
    with django_assert_num_queries(0):
        assert can_see_board(world["stranger"], open_board)
        assert not can_see_board(world["anonymous"], private)
        assert can_see_board(world["superuser"], private)
    with django_assert_num_queries(1):
        assert can_see_board(world["participant"], private)
    with django_assert_num_queries(1):  # the role, asked once for every question
        rights = board_rights(world["organiser"], private)
    assert (rights.moderate, rights.post) == (True, True)
