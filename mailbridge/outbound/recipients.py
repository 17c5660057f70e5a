"""Who receives a post by email: one query, whatever the number of followers.

A person receives a post when, all at once:

- their effective level for the thread is EMAIL: their choice for the thread when
  they made one (a thread muted, or set to digest or web, overrides the board),
  else their choice for a board the thread is in: its home board or a board it is
  shared to (forum.models.ThreadShare), EMAIL when any of those says so;
- they are not its author (they wrote it; a copy would only look like an echo);
- their account is active, and mail to them is not suspended after bounces
  (MailboxHealth.suspended_at);
- they have a primary address that is verified (allauth's EmailAddress): we never
  send list traffic to an address its owner has not confirmed, and an unverified
  new primary waits for its confirmation rather than mail going to the old one
  they moved away from;
- they may see the thread's home board: forum.models.visibility.readers_of, the
  rule the pages follow (a private session's board reaches only superusers and
  people with a confirmed registration to the event: a follow made before a
  registration was cancelled must not keep the mail flowing), wherever the thread
  is shared.

One row per person however many of those boards they follow (DISTINCT): a shared
thread's post reaches each person once.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, Q, Subquery

from common.compiled_queries import CompiledQuery
from forum.models import Follow, FollowLevel, Post, ThreadShare
from forum.models.visibility import board_audience, readers_of
from mailbridge.models import MailboxHealth
from mailbridge.outbound.message import Recipient


def post_recipients(*, post: Post) -> list[Recipient]:
    """The people who get `post` by email (post loaded with thread__board__session)."""
    board = post.thread.board
    values = {"thread_id": post.thread_id, "board_id": board.pk, "author_id": post.author_id}
    audience = board_audience(board)
    private = audience["private"]
    if private:  # the event is a parameter of the SQL only when the rule asks for it
        values["event_id"] = audience["event_id"]
    rows = _RECIPIENTS.rows(private, **values)
    return [
        Recipient(user_id=user_id, address=address, language=language or "")
        for user_id, address, language in rows
    ]


def _recipients(private: bool, *, thread_id: int, board_id: int, author_id: int, event_id=None):
    own_thread_choice = Follow.objects.filter(user_id=OuterRef("user_id"), thread_id=thread_id)
    # One row per person: a thread choice, or a board choice when no thread choice
    # exists (both are unique per person, see forum.models.Follow).
    shared_to = ThreadShare.objects.filter(thread_id=thread_id).values("board_id")
    thread_boards = Q(board_id=board_id) | Q(board_id__in=shared_to)
    follows = Follow.objects.filter(
        Q(thread_id=thread_id, level=FollowLevel.EMAIL)
        | (thread_boards & Q(level=FollowLevel.EMAIL) & ~Exists(own_thread_choice))
    )
    verified_primary = (
        EmailAddress.objects.filter(user_id=OuterRef("user_id"), primary=True, verified=True)
        .order_by("pk")
        .values("email")[:1]
    )
    suspended = MailboxHealth.objects.filter(
        user_id=OuterRef("user_id"), suspended_at__isnull=False
    )
    rows = (
        follows.filter(user__is_active=True)
        .exclude(user_id=author_id)
        .exclude(Exists(suspended))
        .annotate(address=Subquery(verified_primary))
        .filter(address__isnull=False)
        .filter(readers_of(private=private, event_id=event_id, path="user"))
    )
    return (
        rows.order_by("user_id")
        .values_list("user_id", "address", "user__profile__language")
        .distinct()
    )


# Made once per process (per private or not): making this SQL costs a worker many times
# what PostgreSQL spends answering it (common/compiled_queries.py).
_RECIPIENTS = CompiledQuery(_recipients)
