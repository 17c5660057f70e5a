"""find_parent: a message to the list that answers a known post joins its thread.

A member who answers with "reply to list" (or whose client drops the Reply-To)
writes to `<slug>@` without a token. Their client still names the message answered
in In-Reply-To and the chain in References (RFC 5322 §3.6.4): our posts go out as
`<post-<id>@domain>`, and a post that came by email keeps its own Message-ID. The
nearest known one in the same board is the post answered; none → a new thread.
A bridged list's message (`bridge+<network-slug>@`) is threaded the same way in the
network's board, by mailbridge.bridge.threading.
"""

from __future__ import annotations

import re

from django.conf import settings

from forum.models import Post
from mailbridge.addresses import AddressKind
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.identity import MSGID

MAX_REFERENCES = 50


def referenced_ids(message) -> list[str]:
    """Message-IDs answered, nearest first: In-Reply-To, then References from the end."""
    ids: list[str] = []
    for name in ("In-Reply-To", "References"):
        try:
            values = message.get_all(name) or []
        except Exception:  # noqa: BLE001 - an unreadable header answers nothing
            values = []
        found = [m for value in values for m in MSGID.findall(str(value))]
        ids.extend(reversed(found) if name == "References" else found)
    unique = list(dict.fromkeys(ids))
    return unique[:MAX_REFERENCES]


def posts_named(message_ids: list[str]) -> dict[str, Post]:
    domain = re.escape(settings.INTERCOOP_MAIL_DOMAIN)
    ours = re.compile(rf"<post-(\d+)@{domain}>", re.IGNORECASE)
    by_pk = {}
    for message_id in message_ids:
        match = ours.fullmatch(message_id)
        if match:
            by_pk[int(match.group(1))] = message_id
    found: dict[str, Post] = {}
    queryset = Post.objects.select_related("thread__board")
    for post in queryset.filter(pk__in=list(by_pk)):
        found[by_pk[post.pk]] = post
    others = [m for m in message_ids if m not in by_pk.values()]
    if others:
        for post in queryset.filter(message_id__in=others).order_by("pk"):
            found.setdefault(post.message_id, post)
    return found


def step(ctx: InboundContext) -> Outcome:
    if ctx.route.kind is AddressKind.BRIDGE:
        return _bridged(ctx)
    if ctx.route.kind is not AddressKind.LIST:
        return Outcome.go_on("the reply address names the post")
    ids = referenced_ids(ctx.message)
    if not ids:
        return Outcome.go_on("answers nothing: a new thread")
    posts = posts_named(ids)
    for message_id in ids:
        post = posts.get(message_id)
        if post is not None and post.thread.board_id == ctx.board.pk:
            ctx.parent = post
            ctx.thread = post.thread
            return Outcome.go_on(f"answers post {post.pk} ({message_id})")
    return Outcome.go_on(f"none of {len(ids)} referenced messages is a post here: a new thread")


def _bridged(ctx: InboundContext) -> Outcome:
    """A bridged list's message (mailbridge.bridge.threading): the nearest post of
    the network's board it answers; none known yet, a thread of its own, which
    joins its parent's when that arrives (create_post)."""
    from mailbridge.bridge.threading import parent_in

    ids = referenced_ids(ctx.message)
    ctx.parent = parent_in(ctx.board, ids)
    if ctx.parent is not None:
        ctx.thread = ctx.parent.thread
        return Outcome.go_on(f"answers post {ctx.parent.pk} ({ctx.parent.message_id})")
    if ids:
        return Outcome.go_on(f"none of {len(ids)} referenced messages known yet: an orphan")
    return Outcome.go_on("answers nothing: a new thread")
