"""Small factories for the boards' tests: boards, people with a role, threads and posts.

Threads and posts go through the services (the one road every post takes), except
`add_posts_in_bulk`, which writes hundreds of rows at once for the query-count tests.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from forum import services
from forum.models import Board, Event, Post, PostRevision, Role, Session, Thread
from forum.rendering import markdown_to_html
from forum.tests.factories import make_registration, make_user

_titles = itertools.count(1)


def board_for(session: Session) -> Board:
    """The session's board, as the seed makes it (slug = the session's slug)."""
    board = Board.objects.filter(session=session, kind="session").first()
    if board is None:
        board = Board.objects.create(
            event=session.event,
            session=session,
            slug=session.slug,
            title=session.title,
            position=session.number,
        )
    return board


def general_board(event: Event) -> Board:
    board, _created = Board.objects.get_or_create(
        slug="general",
        defaults={"event": event, "title": "Forum général", "position": 0},
    )
    return board


def make_participant(event: Event, *, sessions=None, display_name: str = "", **kwargs):
    """A signed-up person registered to the event (every session unless told)."""
    person = make_user(display_name=display_name, **kwargs)
    make_registration(user=person, event=event, sessions=sessions)
    return person


def make_organiser(event: Event, *, display_name: str = "Organisatrice"):
    person = make_user(display_name=display_name)
    make_registration(user=person, event=event, role=Role.ORGANISER)
    return person


def make_facilitator(session: Session, *, display_name: str = "Animateur"):
    person = make_user(display_name=display_name)
    make_registration(user=person, event=session.event, role=Role.FACILITATOR)
    session.facilitator_users.add(person)
    return person


def make_private(session: Session) -> Session:
    session.is_private = True
    session.save(update_fields=["is_private"])
    return session


def make_thread(board: Board, *, author, title: str = "", body: str = "Premier message.") -> Thread:
    return services.thread_create(
        board=board, author=author, title=title or f"Fil n° {next(_titles)}", body=body
    )


def reply(thread: Thread, *, author, body: str = "Une réponse.", **kwargs) -> Post:
    return services.post_add(
        draft=services.PostDraft(thread=thread, author=author, body=body, **kwargs)
    )


def age(post: Post, *, minutes: int) -> Post:
    """Make `post` look written `minutes` ago (to step out of the edit window)."""
    post.created_at = timezone.now() - timedelta(minutes=minutes)
    Post.objects.filter(pk=post.pk).update(created_at=post.created_at)
    return post


def add_posts_in_bulk(thread: Thread, count: int, *, authors, hidden_every: int = 0) -> None:
    """`count` more posts in `thread`, by `authors` in turn, some answering the one
    before, some edited, some from email, some hidden; counters kept as the services
    keep them."""
    start = thread.posts.aggregate(last=Max("number"))["last"] or 0
    moderator = authors[0]
    now = timezone.now()
    posts = []
    for offset in range(1, count + 1):
        number = start + offset
        body = f"Message **{number}** du fil.\n\n> une citation\n\nEt [un lien](https://exemple.org/{number})."
        hidden = bool(hidden_every) and number % hidden_every == 0
        posts.append(
            Post(
                thread=thread,
                number=number,
                author=authors[offset % len(authors)],
                body_markdown=body,
                body_html=markdown_to_html(body),
                body_text=body,
                source="email" if number % 3 == 0 else "web",
                edited_at=now if number % 4 == 0 else None,
                is_hidden=hidden,
                hidden_reason="Hors sujet" if hidden else "",
                hidden_by=moderator if hidden else None,
                hidden_at=now if hidden else None,
            )
        )
    created = Post.objects.bulk_create(posts)
    # Answers to the previous post, written once every id is known.
    previous = {post.number: post for post in created}
    answers = []
    for post in created:
        if post.number % 2 == 0 and post.number - 1 in previous:
            post.in_reply_to = previous[post.number - 1]
            answers.append(post)
    Post.objects.bulk_update(answers, ["in_reply_to"])
    PostRevision.objects.bulk_create(
        PostRevision(post=post, body_markdown="Première version.", edited_by=post.author)
        for post in created
        if post.edited_at
    )
    last = created[-1]
    Thread.objects.filter(pk=thread.pk).update(
        post_count=last.number, last_post=last, last_post_at=timezone.now()
    )
    thread.refresh_from_db()
