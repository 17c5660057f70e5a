"""A list message → a post in the network's board: the core of a bridge, shared by
the inbound pipeline (mailbridge/inbound/steps/bridge.py and create_post) and
whatever else reads a list's messages (an archive import).

`list_message_read` reads what a post needs from a parsed message (the real author,
the title without the list's tag, the text without the list's footer, then without
the quoted history, and the whole text as received); `author_account` finds the
person, or the guest, it is credited to; `list_post_write` writes it, in the
caller's transaction, in its parent's thread or a new one, and attaches the orphans
that were waiting for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from forum.models import Board, Post, PostSource
from forum.services import PostDraft, post_add, thread_create
from forum.services.guests import guest_author_for
from mailbridge.bridge.footers import footer_strip
from mailbridge.bridge.senders import Author, real_author
from mailbridge.bridge.threading import bridged_record, orphans_attach, parent_in
from mailbridge.inbound.body import header_text, message_bodies
from mailbridge.inbound.context import clean
from mailbridge.inbound.extract_reply import extract_reply_with_rules
from mailbridge.inbound.identity import message_id_of, one_line
from mailbridge.inbound.people import person_for_address
from mailbridge.inbound.steps.parse import from_address_of
from mailbridge.models import ListBridge

ORIGINAL_MAX = 1_000_000


@dataclass
class ListMessage:
    message_id: str
    subject: str
    author: Author
    referenced: list[str]  # Message-IDs answered, nearest first
    body: str = ""  # the author's words: no footer, no quoted history
    original_text: str = ""  # the whole text as received, footer included
    rules: list[str] = field(default_factory=list)
    text_note: str = ""  # what reading the text guessed or skipped (a charset, a part)


def list_text_extract(message, bridge: ListBridge, bodies=None) -> tuple[str, str, list[str]]:
    """(the words to post, the whole text as received, what was removed)."""
    bodies = bodies or message_bodies(message)
    original = clean(bodies.text)[:ORIGINAL_MAX]
    text, footer = footer_strip(
        bodies.text, list_address=bridge.list_address, list_name=bridge.network.name
    )
    extracted, rules = extract_reply_with_rules(text, bodies.html)
    return clean(extracted.body).strip(), original, (["list footer"] if footer else []) + rules


def list_message_read(message, bridge: ListBridge) -> ListMessage:
    from mailbridge.inbound.steps.find_parent import referenced_ids

    from_address, from_name = from_address_of(message)
    author = real_author(
        message, from_address=from_address, from_name=from_name, list_address=bridge.list_address
    )
    bodies = message_bodies(message)
    body, original, rules = list_text_extract(message, bridge, bodies)
    return ListMessage(
        message_id=message_id_of(header_text(message, "Message-ID")),
        subject=one_line(header_text(message, "Subject"), 300),
        author=author,
        referenced=referenced_ids(message),
        body=body,
        original_text=original,
        rules=rules,
        text_note=bodies.charset_note or "",
    )


def author_account(author: Author):
    """The person whose verified address wrote it, else its guest (made once)."""
    return person_for_address(author.address) or guest_author_for(
        address=author.address, name=author.name
    )


def list_post_write(
    *,
    bridge: ListBridge,
    board: Board,
    author,
    title: str,
    body: str,
    message_id: str,
    referenced: Sequence[str],
    attachments=(),
    parent: Post | None = None,
) -> Post:
    """Write the list message as a post of `board`, inside the caller's transaction:
    a reply to `parent` (else the nearest post of the board it answers), or a new
    thread titled `title`; then the orphans waiting for it join its thread. Raises
    the forum's refusals (a locked thread, an empty text)."""
    referenced = list(referenced)
    parent = parent or parent_in(board, referenced)
    if parent is None:
        thread = thread_create(
            board=board,
            author=author,
            title=title,
            body=body,
            source=PostSource.EMAIL,
            message_id=message_id,
            attachments=attachments,
            savepoint=False,
            bridged=True,
        )
        post = thread.last_post
    else:
        draft = PostDraft(
            thread=parent.thread,
            author=author,
            body=body,
            in_reply_to=parent,
            source=PostSource.EMAIL,
            message_id=message_id,
            attachments=attachments,
            bridged=True,
        )
        post = post_add(draft=draft, savepoint=False)
    bridged_record(bridge=bridge, post=post, referenced=referenced if parent is None else [])
    orphans_attach(bridge=bridge, post=post)
    return post
