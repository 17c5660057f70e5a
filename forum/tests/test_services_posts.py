"""The one road every post takes (forum.services): threads, posts, edits, moderation,
follows and read marks, with each refusal and its French message."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum import events, services
from forum.errors import EditWindowClosed, NotAllowed, ThreadLocked, UserError
from forum.models import Follow, FollowLevel, Post, PostRevision, ReadMark, Thread
from forum.services.posts import can_edit
from forum.tests.board_factories import (
    age,
    board_for,
    general_board,
    make_facilitator,
    make_organiser,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_network, make_user

pytestmark = pytest.mark.django_db


# People and a thread of this module's own, in place of forum/tests/conftest.py's.


@pytest.fixture
def alice(event):
    return make_participant(event, display_name="Alice")


@pytest.fixture
def bruno(event):
    return make_participant(event, display_name="Bruno")


@pytest.fixture
def organiser(event):
    return make_organiser(event)


@pytest.fixture
def thread(board, alice):
    return make_thread(board, author=alice, title="Le fil", body="Premier message.")


@pytest.fixture
def published():
    """The domain events published during the test, as (name, payload)."""
    seen = []

    def listener(name):
        def handler(**payload):
            seen.append((name, payload))

        return handler

    handlers = {
        name: listener(name)
        for name in ("thread_created", "post_created", "post_edited", "post_hidden")
    }
    for name, handler in handlers.items():
        events.subscribe(name, handler, atomic=True)
    yield seen
    for name, handler in handlers.items():
        events._registry[name].atomic.remove(handler)


# Threads.


def test_a_new_thread_has_its_first_post_its_counters_and_the_authors_read_mark(board, alice):
    thread = services.thread_create(
        board=board, author=alice, title="  Les   AG  ", body="Comment **faire** ?"
    )
    assert thread.title == "Les AG"
    post = thread.posts.get()
    assert (post.number, post.author, post.source) == (1, alice, "web")
    assert post.body_markdown == post.body_text == "Comment **faire** ?"
    assert post.body_html == "<p>Comment <strong>faire</strong> ?</p>\n"
    thread.refresh_from_db()
    assert (thread.post_count, thread.last_post) == (1, post)
    assert ReadMark.objects.get(user=alice, thread=thread).last_read_number == 1


def test_creating_a_thread_publishes_thread_created_and_post_created(board, alice, published):
    thread = services.thread_create(board=board, author=alice, title="Annonce", body="Texte")
    names = [name for name, payload in published]
    assert names == ["post_created", "thread_created"]
    assert published[1][1] == {"thread_id": thread.pk}
    assert published[0][1]["new_thread"] is True


def test_the_same_submission_key_twice_makes_one_thread(board, alice):
    first = services.thread_create(
        board=board, author=alice, title="Une fois", body="Texte", submission_key="k1"
    )
    second = services.thread_create(
        board=board, author=alice, title="Une fois", body="Texte", submission_key="k1"
    )
    assert first == second
    assert Thread.objects.count() == 1


@pytest.mark.parametrize(
    "title, code, message",
    [
        ("   ", "title_required", "Donnez un titre au fil."),
        (
            "x" * 500,
            "title_too_long",
            "Le titre ne doit pas dépasser 200 caractères (il en a 500).",
        ),
    ],
)
def test_a_bad_title_is_refused_in_french(board, alice, title, code, message):
    with pytest.raises(UserError) as refused:
        services.thread_create(board=board, author=alice, title=title, body="Texte")
    assert (refused.value.code, str(refused.value)) == (code, message)
    assert not Thread.objects.exists()


def test_a_title_of_exactly_200_characters_is_accepted(board, alice):
    thread = services.thread_create(board=board, author=alice, title="é" * 200, body="Texte")
    assert len(thread.title) == 200


def test_an_empty_first_post_leaves_no_thread_behind(board, alice):
    with pytest.raises(UserError) as refused:
        services.thread_create(board=board, author=alice, title="Vide", body=" \r\n ")
    assert refused.value.code == "body_required"
    assert not Thread.objects.exists()


def test_someone_not_registered_cannot_open_a_thread(board):
    with pytest.raises(NotAllowed):
        services.thread_create(board=board, author=make_user(), title="Intrus", body="Texte")


# Posts.


def test_replies_are_numbered_in_order_and_update_the_thread(thread, alice, bruno):
    first = thread.posts.get()
    second = reply(thread, author=bruno, body="Deux", in_reply_to=first)
    third = reply(thread, author=alice, body="Trois")
    assert [second.number, third.number] == [2, 3]
    assert second.in_reply_to == first
    thread.refresh_from_db()
    assert (thread.post_count, thread.last_post) == (3, third)


def test_the_same_reply_submitted_twice_is_one_post(thread, bruno):
    first = reply(thread, author=bruno, body="Une fois", submission_key="abc")
    second = reply(thread, author=bruno, body="Une fois", submission_key="abc")
    assert first == second
    assert thread.posts.count() == 2


def test_the_same_submission_key_from_two_people_makes_two_posts(thread, alice, bruno):
    reply(thread, author=alice, body="A", submission_key="même")
    reply(thread, author=bruno, body="B", submission_key="même")
    assert thread.posts.count() == 3


def test_an_empty_reply_is_refused(thread, bruno):
    with pytest.raises(UserError) as refused:
        reply(thread, author=bruno, body="\n \t ")
    assert (refused.value.code, str(refused.value)) == ("body_required", "Le message est vide.")


def test_a_200_kb_reply_is_refused_with_its_length(thread, bruno):
    body = "x" * 200_000
    with pytest.raises(UserError) as refused:
        reply(thread, author=bruno, body=body)
    assert refused.value.code == "body_too_long"
    assert str(refused.value) == (
        "Le message est trop long : 200000 caractères pour "
        f"{settings.INTERCOOP_POST_MAX_CHARS} au plus."
    )
    assert thread.posts.count() == 1


def test_null_characters_are_dropped_from_a_body(thread, bruno):
    post = reply(thread, author=bruno, body="a\x00b")
    assert post.body_markdown == "ab"


def test_markdown_is_rendered_inert_but_the_plain_text_is_kept(thread, bruno):
    body = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"
    post = reply(thread, author=bruno, body=body)
    assert post.body_text == body
    assert "<script" not in post.body_html and "<img" not in post.body_html
    assert 'href="javascript:' not in post.body_html


def test_replying_in_a_locked_thread_is_refused_except_to_moderators(thread, organiser, bruno):
    services.thread_lock(thread=thread, moderator=organiser, locked=True)
    with pytest.raises(ThreadLocked) as refused:
        reply(thread, author=bruno, body="Encore un mot")
    assert str(refused.value) == "Ce fil est verrouillé : on ne peut plus y répondre."
    assert reply(thread, author=organiser, body="Le mot de la fin").number == 2


def test_someone_not_registered_cannot_reply(thread):
    with pytest.raises(NotAllowed):
        reply(thread, author=make_user(), body="Bonjour")


def test_a_private_sessions_board_refuses_people_not_registered(sessions, event):
    make_private(sessions[2])
    insider = make_participant(event)
    thread = make_thread(board_for(sessions[2]), author=insider)
    with pytest.raises(NotAllowed):
        reply(thread, author=make_user(), body="Je m'invite")


def test_answering_a_post_of_another_thread_is_refused(thread, board, alice, bruno):
    elsewhere = make_thread(board, author=alice).posts.get()
    with pytest.raises(UserError) as refused:
        reply(thread, author=bruno, body="Perdu", in_reply_to=elsewhere)
    assert refused.value.code == "reply"


def test_a_post_from_email_keeps_its_source_and_message_id(thread, bruno):
    post = reply(thread, author=bruno, body="Par courriel", source="email", message_id="<a@b>")
    assert (post.source, post.message_id) == ("email", "<a@b>")


def _savepoints(queries) -> int:
    return sum(query["sql"].upper().startswith("SAVEPOINT") for query in queries)


def test_inside_a_transaction_a_refusal_leaves_it_usable(thread, organiser, bruno):
    services.thread_lock(thread=thread, moderator=organiser, locked=True)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with pytest.raises(ThreadLocked):
            reply(thread, author=bruno, body="Encore un mot")
        assert thread.posts.count() == 1  # the caller's transaction still answers
    assert _savepoints(queries) >= 1


def test_without_a_savepoint_a_post_is_written_in_the_callers_transaction(thread, bruno):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        post = services.post_add(
            draft=services.PostDraft(thread=thread, author=bruno, body="Vu"), savepoint=False
        )
        new = services.thread_create(
            board=thread.board, author=bruno, title="Autre", body="Nouveau", savepoint=False
        )
    assert _savepoints(queries) == 0
    assert Post.objects.get(pk=post.pk).number == 2
    assert new.posts.get().body_text == "Nouveau"


def _read_with_its_board_and_author(thread: Thread) -> Thread:
    """The thread as the mail pipeline's chunk lookups read it: posts_create then locks
    it without reading those rows again (forum/services/posting.py, _threads_locked)."""
    return Thread.objects.select_related("board__event", "board__session", "author__profile").get(
        pk=thread.pk
    )


def test_a_thread_read_earlier_is_replied_to_as_it_is_now(thread, organiser, alice, bruno):
    earlier = _read_with_its_board_and_author(thread)
    reply(thread, author=alice, body="Entre-temps.")
    services.thread_lock(thread=Thread.objects.get(pk=thread.pk), moderator=organiser, locked=True)
    with pytest.raises(ThreadLocked):
        services.post_add(
            draft=services.PostDraft(thread=earlier, author=bruno, body="Trop tard ?")
        )
    post = services.post_add(
        draft=services.PostDraft(thread=earlier, author=organiser, body="La modération répond.")
    )
    assert post.number == Thread.objects.get(pk=thread.pk).post_count == 3
    assert earlier.post_count == 3 and earlier.is_locked


def test_a_thread_read_earlier_and_moved_since_is_read_again(thread, event, organiser, bruno):
    earlier = _read_with_its_board_and_author(thread)
    services.thread_move(
        thread=Thread.objects.get(pk=thread.pk), moderator=organiser, board=general_board(event)
    )
    post = services.post_add(
        draft=services.PostDraft(thread=earlier, author=bruno, body="Ailleurs.")
    )
    assert post.thread.board == general_board(event)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("read_with_related", [False, True], ids=["plain", "with-related"])
def test_concurrent_replies_get_distinct_consecutive_numbers(event, sessions, read_with_related):
    board = board_for(sessions[1])
    people = [make_participant(event) for _ in range(8)]
    thread = make_thread(board, author=people[0])
    if read_with_related:
        thread = _read_with_its_board_and_author(thread)
    barrier = threading.Barrier(len(people))
    failures = []

    def write(person):
        try:
            barrier.wait(timeout=10)
            services.post_add(
                draft=services.PostDraft(thread=thread, author=person, body=f"De {person.pk}")
            )
        except Exception as error:  # reported below, the test must see it
            failures.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=write, args=(person,)) for person in people]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    numbers = sorted(thread.posts.values_list("number", flat=True))
    assert numbers == list(range(1, len(people) + 2))
    thread.refresh_from_db()
    assert thread.post_count == len(people) + 1


# Editing.


def test_the_author_edits_within_the_window_and_the_old_text_is_kept(thread, alice, published):
    post = thread.posts.get()
    services.post_edit(post=post, editor=alice, body="Deuxième version")
    post.refresh_from_db()
    assert post.body_markdown == "Deuxième version"
    assert post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert (revision.body_markdown, revision.edited_by) == ("Premier message.", alice)
    assert ("post_edited", {"post_id": post.pk}) in published


def test_an_edit_that_changes_nothing_keeps_no_revision(thread, alice):
    post = thread.posts.get()
    services.post_edit(post=post, editor=alice, body="  Premier message.  ")
    assert not PostRevision.objects.exists()


def test_after_the_window_the_author_is_told_it_is_too_late(thread, alice):
    post = age(thread.posts.get(), minutes=settings.INTERCOOP_EDIT_WINDOW_MINUTES + 1)
    with pytest.raises(EditWindowClosed) as refused:
        services.post_edit(post=post, editor=alice, body="Trop tard")
    assert str(refused.value) == "Le délai pour modifier ce message est passé."


def test_moderators_edit_any_time_and_others_never(thread, organiser, bruno):
    post = age(thread.posts.get(), minutes=60 * 24)
    with pytest.raises(NotAllowed):
        services.post_edit(post=post, editor=bruno, body="Piraté")
    services.post_edit(post=post, editor=organiser, body="Corrigé par l'organisation")
    assert PostRevision.objects.get(post=post).edited_by == organiser


def test_can_edit_given_the_moderator_flag_asks_no_query(thread, alice, django_assert_num_queries):
    post = thread.posts.get()
    with django_assert_num_queries(0):
        assert can_edit(alice, post, moderator=False)
        post.created_at = timezone.now() - timedelta(days=1)
        assert not can_edit(alice, post, moderator=False)
        assert can_edit(alice, post, moderator=True)


# Moderation.


def test_a_moderator_hides_a_post_with_a_reason_and_can_show_it_again(thread, organiser, published):
    post = thread.posts.get()
    services.post_hide(post=post, moderator=organiser, reason="  Hors   charte ")
    post.refresh_from_db()
    assert (post.is_hidden, post.hidden_reason, post.hidden_by) == (True, "Hors charte", organiser)
    assert ("post_hidden", {"post_id": post.pk}) in published
    services.post_unhide(post=post, moderator=organiser)
    post.refresh_from_db()
    assert not post.is_hidden


def test_hiding_needs_a_reason(thread, organiser):
    with pytest.raises(UserError) as refused:
        services.post_hide(post=thread.posts.get(), moderator=organiser, reason=" ")
    assert (refused.value.code, str(refused.value)) == (
        "reason_required",
        "Indiquez le motif du masquage.",
    )


def test_participants_cannot_hide_lock_pin_or_move(thread, event, bruno):
    post = thread.posts.get()
    for attempt in (
        lambda: services.post_hide(post=post, moderator=bruno, reason="Non"),
        lambda: services.post_unhide(post=post, moderator=bruno),
        lambda: services.thread_lock(thread=thread, moderator=bruno, locked=True),
        lambda: services.thread_pin(thread=thread, moderator=bruno, pinned=True),
        lambda: services.thread_move(thread=thread, moderator=bruno, board=general_board(event)),
    ):
        with pytest.raises(NotAllowed):
            attempt()


def test_a_moderator_locks_pins_and_moves_a_thread(thread, event, organiser):
    services.thread_lock(thread=thread, moderator=organiser, locked=True)
    services.thread_pin(thread=thread, moderator=organiser, pinned=True)
    general = general_board(event)
    services.thread_move(thread=thread, moderator=organiser, board=general)
    thread.refresh_from_db()
    assert (thread.is_locked, thread.is_pinned, thread.board) == (True, True, general)


def test_a_facilitator_moderates_their_sessions_board_but_cannot_move_out_of_it(
    sessions, event, alice
):
    facilitator = make_facilitator(sessions[1])
    thread = make_thread(board_for(sessions[1]), author=alice)
    services.thread_lock(thread=thread, moderator=facilitator, locked=True)
    with pytest.raises(NotAllowed):
        services.thread_move(thread=thread, moderator=facilitator, board=board_for(sessions[2]))
    elsewhere = make_thread(board_for(sessions[2]), author=alice)
    with pytest.raises(NotAllowed):
        services.thread_lock(thread=elsewhere, moderator=facilitator, locked=True)


def test_a_thread_cannot_move_to_another_events_board(thread, organiser, event):
    from forum.models import Board, Event

    other_event = Event.objects.create(
        name="Autre", slug="autre", starts_on=event.starts_on, ends_on=event.ends_on
    )
    foreign = Board.objects.create(event=other_event, slug="ailleurs", title="Ailleurs")
    organiser.is_superuser = True  # organises every event
    organiser.save(update_fields=["is_superuser"])
    with pytest.raises(UserError) as refused:
        services.thread_move(thread=thread, moderator=organiser, board=foreign)
    assert str(refused.value) == "On ne peut déplacer un fil que vers un forum des mêmes journées."


# Following.


def test_follow_set_stores_one_choice_per_board_and_per_thread(board, thread, bruno):
    services.follow_set(user=bruno, board=board, level=FollowLevel.DIGEST)
    services.follow_set(user=bruno, board=board, level=FollowLevel.EMAIL)
    services.follow_set(user=bruno, thread=thread, level=FollowLevel.MUTED)
    assert Follow.objects.get(user=bruno, board=board).level == FollowLevel.EMAIL
    assert Follow.objects.get(user=bruno, thread=thread).level == FollowLevel.MUTED
    assert Follow.objects.filter(user=bruno).count() == 2


def test_an_unknown_follow_level_is_refused_in_french(board, bruno):
    with pytest.raises(UserError) as refused:
        services.follow_set(user=bruno, board=board, level="souvent")
    assert str(refused.value) == "Choisissez un abonnement dans la liste."


def test_a_board_one_cannot_see_cannot_be_followed(sessions):
    make_private(sessions[3])
    with pytest.raises(NotAllowed):
        services.follow_set(user=make_user(), board=board_for(sessions[3]), level="email")


def test_registering_for_a_session_follows_its_board_and_the_general_board(sessions, event):
    boards = [board_for(session) for session in sessions.values()]
    general = general_board(event)
    person = make_user()
    services.registration_save(
        user=person,
        event=event,
        network=make_network(),
        sessions=[sessions[1]],
        mail_delivery="digest",
    )
    follows = dict(Follow.objects.filter(user=person).values_list("board", "level"))
    assert follows == {boards[0].pk: FollowLevel.DIGEST, general.pk: FollowLevel.DIGEST}


# Read marks.


def test_a_read_mark_never_goes_back(thread, bruno):
    services.thread_mark_read(user=bruno, thread=thread, number=3)
    services.thread_mark_read(user=bruno, thread=thread, number=1)
    assert ReadMark.objects.get(user=bruno, thread=thread).last_read_number == 3


def test_marking_read_for_a_visitor_does_nothing(thread):
    from django.contrib.auth.models import AnonymousUser

    services.thread_mark_read(user=AnonymousUser(), thread=thread, number=1)
    assert not ReadMark.objects.exclude(user=thread.author).exists()


def test_mark_all_read_brings_every_thread_of_the_board_up_to_date(board, alice, bruno):
    read = make_thread(board, author=alice)
    behind = make_thread(board, author=alice)
    unopened = make_thread(board, author=alice)
    services.thread_mark_read(user=bruno, thread=read, number=1)
    services.thread_mark_read(user=bruno, thread=behind, number=1)
    reply(behind, author=alice)
    assert services.board_mark_all_read(user=bruno, board=board) == 2
    marks = dict(ReadMark.objects.filter(user=bruno).values_list("thread", "last_read_number"))
    assert marks == {read.pk: 1, behind.pk: 2, unopened.pk: 1}


def test_replying_marks_the_thread_read_for_the_author(thread, alice, bruno):
    reply(thread, author=alice, body="Deux")
    reply(thread, author=bruno, body="Trois")
    assert ReadMark.objects.get(user=bruno, thread=thread).last_read_number == 3
    assert ReadMark.objects.get(user=alice, thread=thread).last_read_number == 2
    assert Post.objects.filter(thread=thread).count() == 3
