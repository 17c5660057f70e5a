"""The board page's websocket: new threads and activity appear in the list of threads."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.urls import reverse

from forum.tests.board_factories import (
    board_for,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_user
from realtime.tests.live import (
    board_path,
    close_code_at,
    cookie_for,
    event_after,
    first_message,
    open_socket,
    page_status,
    receive_until,
    refusal_codes,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_thread_appears_at_the_top_of_the_board(sessions, alice):
    board = board_for(sessions[1])
    thread, message = event_after(
        board_path(board),
        make_thread,
        board,
        author=alice,
        title="Mutualiser les outils",
        body="Qui commence ?",
    )
    assert message["kind"] == "board.row"
    assert (message["op"], message["target"]) == ("bump", f"thread-{thread.pk}")
    assert message["container"] == "threads"
    assert message["html"].startswith(f'<tr id="thread-{thread.pk}"')
    assert "Mutualiser les outils" in message["html"]
    assert message["data"]["new_thread"] is True


def test_a_reply_moves_its_thread_up_with_the_new_count(sessions, alice, event):
    board = board_for(sessions[1])
    thread = make_thread(board, author=alice, title="Les statuts")
    bruno = make_participant(event, display_name="Bruno Mutuelle")
    _reply, message = event_after(
        board_path(board), reply, thread, author=bruno, body="Voici les nôtres."
    )
    assert (message["op"], message["target"]) == ("bump", f"thread-{thread.pk}")
    assert '<td class="count">' in message["html"]
    assert "</span>2</td>" in message["html"]
    assert "Bruno Mutuelle" in message["html"]  # the last post's author


def test_one_new_thread_makes_one_row_push(sessions, alice):
    board = board_for(sessions[1])

    @async_to_sync
    async def scenario():
        socket, ready = await open_socket(board_path(board))
        await database_sync_to_async(make_thread)(board, author=alice)
        first = await receive_until(socket, "event")
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return ready, first

    ready, first = scenario()
    assert first["seq"] == ready["seq"] + 1


@pytest.mark.parametrize("who", ["anonymous", "signed_in_unregistered"])
def test_a_private_board_is_refused_as_a_board_that_does_not_exist(sessions, alice, who):
    make_private(sessions[2])
    board = board_for(sessions[2])
    user = make_user() if who == "signed_in_unregistered" else None
    cookie = cookie_for(user)
    # The page answers 404 to both, so as not to tell that the board exists...
    assert page_status(board.get_absolute_url(), user) == 404
    assert page_status(reverse("forum:board", kwargs={"slug": "nulle-part"}), user) == 404

    # ... and so does its socket.
    codes = refusal_codes(board_path(board), "/ws/boards/nulle-part/", cookie=cookie)
    assert codes == (4404, 4404)


def test_a_registered_participant_follows_a_private_board(sessions, alice):
    make_private(sessions[2])
    board = board_for(sessions[2])
    cookie = cookie_for(alice)
    assert first_message(board_path(board), cookie=cookie)["type"] == "ready"


def test_an_unknown_board_is_refused_with_4404(event):
    assert close_code_at("/ws/boards/nulle-part/") == 4404
