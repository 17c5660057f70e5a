"""Small factories for the outbound tests: an event with a session's board, followers."""

from __future__ import annotations

import itertools
from datetime import date

from forum.models import Board, Event, Follow, FollowLevel, Session
from forum.tests.factories import make_registration, make_user

_numbers = itertools.count(1)


def make_board(
    *, title: str = "Coopératives et territoires", slug: str = "", private: bool = False
) -> Board:
    """A session's board (its slug is the list address), in a fresh event."""
    number = next(_numbers)
    event = Event.objects.create(
        name=f"Intercoop test {number}",
        slug=f"intercoop-test-{number}",
        starts_on=date(2007, 7, 4),
        ends_on=date(2007, 7, 6),
    )
    slug = slug or f"session-{number}"
    session = Session.objects.create(
        event=event, number=1, slug=slug, title=title, date=date(2007, 7, 4), is_private=private
    )
    return Board.objects.create(event=event, session=session, slug=slug, title=title)


def make_general_board(event: Event) -> Board:
    return Board.objects.create(event=event, slug=f"general-{event.pk}", title="Forum général")


def make_member(
    board: Board,
    *,
    level: str | None = FollowLevel.EMAIL,
    language: str = "fr",
    registered: bool = True,
    **kwargs,
):
    """A registered person following `board` at `level` (None: no board choice)."""
    person = make_user(**kwargs)
    if language != "fr":
        person.profile.language = language
        person.profile.save(update_fields=["language"])
    if registered:
        make_registration(user=person, event=board.event, sessions=[])
    if level is not None:
        Follow.objects.create(user=person, board=board, level=level)
    return person


def follow_thread(person, thread, level: str) -> Follow:
    return Follow.objects.create(user=person, thread=thread, level=level)
