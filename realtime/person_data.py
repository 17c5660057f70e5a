"""A person deletes their account (forum.services.accounts): the live fragments kept
for catch-up (realtime.models.LiveEvent) must not keep their name or their words.

An atomic subscriber of `account_deleting` notes, inside the deletion's transaction,
which posts are theirs (afterwards no row says so); once it commits, each fragment
kept about those posts is rendered again (a post kept now reads « ancien
participant ») or deleted (a post removed with the account), as an edit or a hide
re-renders them (publish.py)."""

from __future__ import annotations

import logging

from django.db import transaction

from forum.models import Post
from realtime import fragments
from realtime.models import LiveEvent

logger = logging.getLogger(__name__)


def on_account_deleting(*, user_id: int, **_payload) -> None:
    subjects = [
        f"post:{pk}" for pk in Post.objects.filter(author_id=user_id).values_list("pk", flat=True)
    ]
    if subjects:
        transaction.on_commit(lambda: live_fragments_redo(subjects))


def live_fragments_redo(subjects: list[str]) -> tuple[int, int]:
    """Render again, or delete, the kept fragments about these posts: (redone, deleted)."""
    redone = deleted = 0
    for event in LiveEvent.objects.filter(subject__in=subjects):
        post = fragments.post_for_fragments(int(event.subject.split(":", 1)[1]))
        if post is None:
            event.delete()
            deleted += 1
        else:
            event.html = fragments.render(event.kind, post)
            event.save(update_fields=["html"])
            redone += 1
    logger.info(
        "live fragments of a deleted account: %d rendered again, %d deleted", redone, deleted
    )
    return redone, deleted
