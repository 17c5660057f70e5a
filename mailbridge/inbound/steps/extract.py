"""extract: the person's words, without the quoted history, signature or our footer.

The bodies (text preferred, HTML converted when alone, charsets guessed) come from
mailbridge.inbound.body.message_bodies, the extraction from
mailbridge.inbound.extract_reply: both are the reply-extraction module's, called
here as they are. The whole text as received is kept on the stored message, for
"show the whole message" under the post. A bridged list's message loses the list's
footer before the extraction (mailbridge.bridge.ingest.list_text_extract).
"""

from __future__ import annotations

from mailbridge.inbound.body import message_bodies
from mailbridge.inbound.context import InboundContext, Outcome, clean
from mailbridge.inbound.extract_reply import extract_reply_with_rules
from mailbridge.inbound.reasons import Reason

ORIGINAL_MAX = 1_000_000  # characters kept for "show the whole message"


def step(ctx: InboundContext) -> Outcome:
    if ctx.bridge is not None:
        return _bridged(ctx)
    bodies = message_bodies(ctx.message)
    ctx.original_text = clean(bodies.text)[:ORIGINAL_MAX]
    extracted, rules = extract_reply_with_rules(bodies.text, bodies.html)
    ctx.body = clean(extracted.body).strip()
    detail = f"rules: {', '.join(rules) or 'none'}"
    if bodies.charset_note:
        detail += f"; {bodies.charset_note}"
    if not ctx.body:
        return Outcome.found(Reason.EMPTY, detail)
    removed = [
        name
        for name, part in (("quote", extracted.quoted), ("signature", extracted.signature))
        if part
    ]
    if removed:
        detail += f"; removed {' and '.join(removed)}"
    return Outcome.go_on(f"{len(ctx.body)} characters kept; {detail}")


def _bridged(ctx: InboundContext) -> Outcome:
    """A bridged list's message: its footer taken away first (mailbridge.bridge)."""
    from mailbridge.bridge.ingest import list_text_extract

    ctx.body, ctx.original_text, rules = list_text_extract(ctx.message, ctx.bridge)
    detail = f"rules: {', '.join(rules) or 'none'}"
    if not ctx.body:
        return Outcome.found(Reason.EMPTY, detail)
    return Outcome.go_on(f"{len(ctx.body)} characters kept; {detail}")
