"""What a page of a thread shows its reader, read at once (forum/views/threads.py).

Every per-post decision is made here from values computed once, so the number of
queries does not grow with the number of posts on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page

from forum.models import Board, Post, Thread
from forum.permissions import board_rights, boards_moderated_by
from forum.selectors.boards import follow_level_for, posts_page, read_position
from forum.services.posts import can_edit, edit_window_end


@dataclass(frozen=True)
class ThreadPageRead:
    thread: Thread
    page: Page
    # The page's posts, each with `editable`: whether this reader may edit it here.
    posts: list[Post]
    signed_in: bool
    moderator: bool
    may_post: bool
    # The number of the last post the reader had read before this page (0: never, or
    # not signed in).
    last_read: int
    # Signed-in readers only: the follow level that applies to the thread.
    follow_level: str | None
    # Moderators only: the other boards of the event they may move the thread to.
    move_targets: list[Board] | None

    @property
    def board(self) -> Board:
        return self.thread.board

    @property
    def may_reply(self) -> bool:
        return self.may_post and (not self.thread.is_locked or self.moderator)

    @property
    def first_new(self) -> Post | None:
        """The first post of the page the reader has not read yet."""
        if not self.signed_in:
            return None
        return next((post for post in self.posts if post.number > self.last_read), None)

    @property
    def new_count(self) -> int:
        return self.thread.post_count - self.last_read if self.first_new else 0

    @property
    def read_to(self) -> int | None:
        """The number the reader's read mark moves to with this page; None if it stays."""
        if self.signed_in and self.posts and self.posts[-1].number > self.last_read:
            return self.posts[-1].number
        return None

    @property
    def edits_close_at(self) -> datetime | None:
        """When the first "Modifier" under the reader's own posts on this page goes
        (never for moderators, who edit at any time)."""
        if not self.signed_in or self.moderator:
            return None
        return min((edit_window_end(post) for post in self.posts if post.editable), default=None)


def thread_page_read(
    *, thread: Thread, user, page_number, around_post: int | None, light: bool
) -> ThreadPageRead:
    """One page of `thread` as `user` sees it: the page holding the post `around_post`
    if given, else page `page_number`. `light`: the posts with only their per-reader
    fields (forum.selectors.posts_page), for a page taking the rest from the cache."""
    board = thread.board
    signed_in = user.is_authenticated
    rights = board_rights(user, board)
    moderator = rights.moderate
    page = posts_page(
        thread=thread,
        user=user,
        page_number=page_number or 1,
        around_post=around_post,
        moderator=moderator,
        light=light,
    )
    posts = list(page.object_list)
    last_read = read_position(user=user, thread_id=thread.pk)  # 0 if anonymous
    for post in posts:
        post.editable = can_edit(user, post, moderator=moderator) and (
            moderator or not post.is_hidden
        )
    return ThreadPageRead(
        thread=thread,
        page=page,
        posts=posts,
        signed_in=signed_in,
        moderator=moderator,
        may_post=rights.post,
        last_read=last_read,
        follow_level=(
            follow_level_for(user=user, board=board, thread=thread) if signed_in else None
        ),
        move_targets=(
            list(boards_moderated_by(user, board.event).exclude(pk=board.pk)) if moderator else None
        ),
    )


def post_in_thread(*, thread: Thread, pk: int | None) -> Post | None:
    """The post `pk` if it is one of `thread`'s (the one a reply box answers or quotes)."""
    if pk is None:
        return None
    return Post.objects.select_related("author__profile").filter(pk=pk, thread=thread).first()
