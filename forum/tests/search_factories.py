"""Threads and posts for the tests of what the forum publishes: search, feeds, API.

Posts are written through the services (the one road every post takes); only the
many-post helper writes rows directly, for the tests that measure queries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from forum.models import Board, Post, PostSource, Role, Session, Thread
from forum.services import PostDraft, post_add, thread_create
from forum.services.moderation import post_hide
from forum.tests.factories import make_registration, make_user


def participant(event, *, display_name: str = "", email: str | None = None, role=Role.PARTICIPANT):
    """A person registered to `event` (so allowed to write and to see private sessions)."""
    person = make_user(email, display_name=display_name)
    make_registration(user=person, event=event, role=role)
    return person


def organiser(event, **kwargs):
    return participant(event, role=Role.ORGANISER, **kwargs)


def board_of(session: Session) -> Board:
    """The session's board, as the seed makes it (slug = the session's slug)."""
    board, _created = Board.objects.get_or_create(
        session=session,
        defaults={
            "event": session.event,
            "slug": session.slug,
            "title": session.title,
            "position": session.number,
        },
    )
    return board


def general_board(event) -> Board:
    """The event's general board, as the seed makes it."""
    board, _created = Board.objects.get_or_create(
        slug="general", defaults={"event": event, "title": "Forum général", "position": 0}
    )
    return board


def make_private(session: Session) -> Session:
    session.is_private = True
    session.save(update_fields=["is_private"])
    return session


def write_thread(board: Board, author, *, title: str, body: str, source=PostSource.WEB) -> Thread:
    return thread_create(board=board, author=author, title=title, body=body, source=source)


def reply(thread: Thread, author, *, body: str, in_reply_to: Post | None = None, **kwargs) -> Post:
    return post_add(
        draft=PostDraft(thread=thread, author=author, body=body, in_reply_to=in_reply_to, **kwargs)
    )


def first_post(thread: Thread) -> Post:
    return thread.posts.get(number=1)


def hide(post: Post, *, event, reason: str = "Hors sujet") -> Post:
    return post_hide(post=post, moderator=organiser(event), reason=reason)


def written_at(post_or_thread, when: datetime) -> None:
    """Move a post (and its thread's dates) to `when`, for tests about order."""
    if isinstance(post_or_thread, Thread):
        Thread.objects.filter(pk=post_or_thread.pk).update(created_at=when, last_post_at=when)
        Post.objects.filter(thread=post_or_thread).update(created_at=when)
    else:
        Post.objects.filter(pk=post_or_thread.pk).update(created_at=when)


def many_posts(thread: Thread, author, count: int, *, body: str = "Message numéro {n}.") -> None:
    """`count` more posts in `thread`, written as rows at once (for query counts)."""
    start = thread.posts.count()
    now = timezone.now()
    posts = [
        Post(
            thread=thread,
            number=start + n,
            author=author,
            body_markdown=body.format(n=n),
            body_html=f"<p>{body.format(n=n)}</p>",
            body_text=body.format(n=n),
            source=PostSource.EMAIL if n % 2 else PostSource.WEB,
        )
        for n in range(1, count + 1)
    ]
    Post.objects.bulk_create(posts)
    Post.objects.filter(thread=thread, number__gt=start).update(
        created_at=now + timedelta(seconds=1)
    )
    Thread.objects.filter(pk=thread.pk).update(post_count=start + count)
