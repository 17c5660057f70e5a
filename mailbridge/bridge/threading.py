"""Where a list message goes in the network's board: the thread of the message it
answers, else a thread of its own, which joins its parent's once that arrives.

The message answered is named in In-Reply-To and References (RFC 5322 §3.6.4): the
nearest of them that is a post of the board (mailbridge.inbound.steps.find_parent's
`referenced_ids`, nearest first: In-Reply-To, then References from the end) is the
parent. When none is known yet, the message opens a thread and its row
(`BridgedMessage.awaited`) keeps what it answers; a later message whose Message-ID
is among them takes that thread into its own (forum.services.thread_merge), the
orphan answering it.
"""

from __future__ import annotations

from forum.models import Board, Post
from forum.services import thread_merge
from mailbridge.models import BridgedMessage, ListBridge

AWAITED_MAX = 20


def parent_in(board: Board, referenced: list[str]) -> Post | None:
    """The nearest post of `board` among the Message-IDs `referenced` (nearest
    first): ours (`<post-<id>@domain>`) or one that came by mail."""
    if not referenced:
        return None
    return nearest(referenced, board_posts_named(board, referenced))


def board_posts_named(board: Board, message_ids: list[str]) -> dict[str, Post]:
    """The posts of `board` among `message_ids`, in one query for many messages (an
    archive import asks for a batch's at once)."""
    from mailbridge.inbound.steps.find_parent import posts_named

    posts = posts_named(list(message_ids))
    return {key: post for key, post in posts.items() if post.thread.board_id == board.pk}


def nearest(referenced: list[str], known: dict):
    """The first of `referenced` (nearest first) that `known` holds, else None."""
    for message_id in referenced:
        found = known.get(message_id)
        if found is not None:
            return found
    return None


def bridged_record(*, bridge: ListBridge, post: Post, referenced: list[str]) -> None:
    """Remember the post a bridged message made; an orphan (it answers messages not
    known when it came: it opened a thread) waits for them."""
    bridged_records(bridge=bridge, posts=[(post, referenced)])


def bridged_records(*, bridge: ListBridge, posts: list[tuple[Post, list[str]]]) -> None:
    """bridged_record for many posts, in one statement (an archive import's batch)."""
    BridgedMessage.objects.bulk_create(
        [
            BridgedMessage(
                bridge=bridge,
                post=post,
                message_id=post.message_id,
                awaited=" ".join(
                    (referenced if post.number == 1 and referenced else [])[:AWAITED_MAX]
                ),
            )
            for post, referenced in posts
        ]
    )


def orphans_attach(*, bridge: ListBridge, post: Post) -> list[int]:
    """The orphans waiting for `post`'s Message-ID join its thread, answering it
    (one already in it, joined to a farther ancestor, now answers `post`, nearer);
    each keeps waiting for the messages nearer to it than `post`. Returns the ids
    of the threads that went."""
    if not post.message_id:
        return []
    merged = []
    waiting = BridgedMessage.objects.filter(
        bridge=bridge, awaited__contains=post.message_id
    ).select_related("post__thread")
    for orphan in waiting:
        awaited = orphan.awaited.split()
        if post.message_id not in awaited or orphan.post_id == post.pk:
            continue
        thread = orphan.post.thread
        if thread.board_id != post.thread.board_id:
            continue
        if thread.pk == post.thread_id:
            Post.objects.filter(pk=orphan.post_id).update(in_reply_to=post)
        else:
            merged.append(thread.pk)
            thread_merge(source=thread, into=post.thread, answering=post)
        orphan.awaited = " ".join(awaited[: awaited.index(post.message_id)])
        orphan.save(update_fields=["awaited"])
    return merged
