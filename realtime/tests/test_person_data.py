"""A deleted account leaves nothing of the person in the live fragments kept for
catch-up: a kept post's fragments are rendered again under « ancien participant »,
a removed post's are deleted."""

from __future__ import annotations

import json

import pytest

from forum.services.accounts import account_delete
from forum.tests.board_factories import board_for, make_participant, make_thread, reply
from forum.tests.factories import PASSWORD
from realtime import listening
from realtime.groups import session_group, thread_group
from realtime.models import LiveEvent

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Claire Sociétaire"


@pytest.fixture
def written(event, sessions):
    claire = make_participant(event, display_name=NAME, email="claire@exemple.org")
    bruno = make_participant(event, display_name="Bruno Mutuelle")
    thread = make_thread(board_for(sessions[1]), author=bruno, title="Un fil")
    # Readers follow the thread and the session's live page, in French: the fragments
    # are rendered when the posts are written (realtime/listening.py).
    listening.register(thread_group(thread.pk), {"fr"})
    listening.register(session_group(sessions[1].pk), {"fr"})
    post = reply(thread, author=claire, body="Le bureau est épuisé, personne ne le dit.")
    reply(thread, author=bruno, body="Merci Claire.")
    return claire, post


def kept_about(post) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(subject=f"post:{post.pk}"))


def shown(events) -> str:
    return json.dumps([event.html for event in events], ensure_ascii=False)


def test_kept_posts_fragments_are_rendered_again_without_the_name(written):
    claire, post = written
    before = kept_about(post)
    assert before and NAME in shown(before)
    account_delete(user=claire, password=PASSWORD, keep_posts=True)
    after = kept_about(post)
    assert len(after) == len(before)
    assert NAME not in shown(after) and "ancien participant" in shown(after)
    assert "Le bureau est épuisé" in shown(after)


def test_removed_posts_fragments_are_deleted(written):
    claire, post = written
    assert kept_about(post)
    others = LiveEvent.objects.exclude(subject=f"post:{post.pk}").count()
    account_delete(user=claire, password=PASSWORD, keep_posts=False)
    assert kept_about(post) == []
    assert NAME not in shown(LiveEvent.objects.all())
    assert LiveEvent.objects.count() == others  # Bruno's posts' fragments stay
