"""deduplicate: the same message twice makes one post.

A sending server that lost our 250 sends again; a message addressed to the list and
to a reply address in two SMTP transactions (some servers split per recipient)
arrives twice. Same Message-ID (or, for a message without one, the same bytes) as a
message that already made a post → duplicate, pointing at that post. (Every post made
from mail has its stored message, whose `post_key` is that Message-ID: one indexed
look-up answers.)

A bridged list's message is also a duplicate of a post of the network's board with
its key: one imported from the list's archive (mailbridge.bridge.importer).

This step answers the common case early; the guarantee is the unique `post_key`
that create_post writes in the post's own transaction, which makes two workers
processing the two copies at the same moment end with one post.
"""

from __future__ import annotations

from common.compiled_queries import CompiledQuery
from forum.models import Post
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.identity import post_key_from
from mailbridge.inbound.reasons import Reason
from mailbridge.models import InboundMessage

# Asked of every message: made once per process (common/compiled_queries.py).
_EARLIER = CompiledQuery(
    lambda shape, *, key, inbound_id: (
        InboundMessage.objects.filter(post_key=key)
        .exclude(pk=inbound_id)
        .order_by("pk")
        .values_list("pk", "post_id")[:1]
    )
)


def step(ctx: InboundContext) -> Outcome:
    ctx.post_key = key = post_key_from(ctx.message_id, ctx.raw)
    known, earlier = ctx.lookups.earlier_post(key) if ctx.lookups else (False, None)
    if not known or (earlier is not None and earlier[0] == ctx.inbound_id):
        found = _EARLIER.rows(key=key, inbound_id=ctx.inbound_id or 0)  # 0: no stored one
        earlier = found[0] if found else None
    if earlier is not None:
        inbound_id, post_id = earlier
        return Outcome.found(
            Reason.DUPLICATE,
            f"{key} already made post {post_id} (message {inbound_id})",
        )
    if ctx.bridge is not None:
        # A list's message imported from its archive has a post and no stored message.
        imported = Post.objects.filter(thread__board=ctx.board, message_id=key).first()
        if imported is not None:
            return Outcome.found(Reason.DUPLICATE, f"{key} already imported as post {imported.pk}")
    return Outcome.go_on(f"first time {key[:80]} is seen")
