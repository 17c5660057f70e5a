"""An open live socket loses what its reader may no longer read: when the session is
made private, the registration cancelled, the account deactivated, or the reader signs
out, the thread's, board's and live page's sockets are closed with 4404, as a new
connection would be; readers who keep their access keep receiving."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from forum import services
from forum.tests.board_factories import (
    board_for,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from realtime.tests.live import (
    TIMEOUT,
    board_path,
    open_socket,
    receive_until,
    session_path,
    thread_path,
)

pytestmark = pytest.mark.django_db(transaction=True)

PLACES = ["thread", "board", "session"]


@pytest.fixture
def place(sessions, alice):
    """The second session, its board and a thread in it."""
    session = sessions[2]
    thread = make_thread(board_for(session), author=alice, title="Fonds communs")
    return {
        "session": session,
        "thread": thread,
        "paths": {
            "thread": thread_path(thread),
            "board": board_path(thread.board),
            "session": session_path(session),
        },
    }


def signed_in_browser(user) -> tuple[Client, bytes]:
    """A browser where `user` is signed in, and the Cookie header its sockets carry."""
    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}".encode()


async def closed_with(socket) -> int | None:
    """The code the server closes `socket` with, skipping what comes before (presence)."""
    while True:
        output = await socket.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return output.get("code")


def code_after(path: str, change, *, cookie: bytes = b"") -> int | None:
    """The code a reader's open socket at `path` is closed with after `change()`."""

    @async_to_sync
    async def scenario():
        socket, _first = await open_socket(path, cookie=cookie)
        await database_sync_to_async(change)()
        code = await closed_with(socket)
        await socket.disconnect()
        return code

    return scenario()


def still_receives(path: str, change, thread, author, *, cookie: bytes) -> dict:
    """The event a reader of `path` receives for a reply posted after `change()`."""

    @async_to_sync
    async def scenario():
        socket, _first = await open_socket(path, cookie=cookie)
        await database_sync_to_async(change)()
        await database_sync_to_async(reply)(thread, author=author, body="Toujours là.")
        message = await receive_until(socket, "event")
        await socket.disconnect()
        return message

    return scenario()


@pytest.mark.parametrize("kind", PLACES)
def test_an_anonymous_reader_is_closed_when_the_session_is_made_private(place, kind):
    code = code_after(place["paths"][kind], lambda: make_private(place["session"]))
    assert code == 4404


def test_a_registered_reader_keeps_receiving_when_the_session_is_made_private(place, alice):
    _browser, cookie = signed_in_browser(alice)
    message = still_receives(
        place["paths"]["thread"],
        lambda: make_private(place["session"]),
        place["thread"],
        alice,
        cookie=cookie,
    )
    assert "Toujours là." in message["html"]


@pytest.mark.parametrize("kind", PLACES)
def test_a_reader_is_closed_when_their_registration_is_cancelled(place, event, kind):
    make_private(place["session"])
    bob = make_participant(event, display_name="Bob")
    _browser, cookie = signed_in_browser(bob)

    def cancel():
        services.registration_cancel(user=bob, event=event)

    assert code_after(place["paths"][kind], cancel, cookie=cookie) == 4404


@pytest.mark.parametrize("kind", PLACES)
def test_a_reader_is_closed_when_their_account_is_deactivated(place, event, kind):
    make_private(place["session"])
    bob = make_participant(event, display_name="Bob")
    _browser, cookie = signed_in_browser(bob)

    def deactivate():
        bob.is_active = False
        bob.save()

    assert code_after(place["paths"][kind], deactivate, cookie=cookie) == 4404


@pytest.mark.parametrize("kind", PLACES)
def test_a_reader_is_closed_when_they_sign_out(place, event, kind):
    make_private(place["session"])
    bob = make_participant(event, display_name="Bob")
    browser, cookie = signed_in_browser(bob)

    def sign_out():
        assert browser.post(reverse("account_logout")).status_code == 302

    assert code_after(place["paths"][kind], sign_out, cookie=cookie) == 4404


def test_signing_out_of_one_browser_leaves_the_others_open(place, event, alice):
    make_private(place["session"])
    bob = make_participant(event, display_name="Bob")
    laptop, _laptop_cookie = signed_in_browser(bob)
    _phone, phone_cookie = signed_in_browser(bob)

    def sign_out_of_the_laptop():
        laptop.post(reverse("account_logout"))

    message = still_receives(
        place["paths"]["thread"],
        sign_out_of_the_laptop,
        place["thread"],
        alice,
        cookie=phone_cookie,
    )
    assert "Toujours là." in message["html"]
