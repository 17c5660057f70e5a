"""A person's page: the name they chose, their network, what they wrote lately.

Never their email address: people are known here by their display name only.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from forum import selectors
from forum.board_forms import PK_MAX


def profile(request, user_id: int):
    person = selectors.person_by_id(pk=user_id) if 0 < user_id <= PK_MAX else None
    if person is None:
        raise Http404("no such person")
    event = selectors.event_current()
    context = {
        "person": person,
        "posts": selectors.posts_by_person(person=person, reader=request.user, event=event),
    }
    return render(request, "forum/profile.html", context)
