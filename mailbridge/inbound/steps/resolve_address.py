"""resolve_address: which of our addresses the message is processed for.

One SMTP transaction makes at most one post, however many of our addresses it was
sent to: "reply all" to a list message names both `reply+<token>@` and the list,
and the token says more (the exact post answered, the person it was sent to). So
the recipients are ranked: a questionnaire's answers address, a reply address, then
a list, then a list command; the others are noted in the trail and ignored.
"""

from __future__ import annotations

from forum import selectors
from forum.models import Board
from mailbridge.addresses import AddressKind, parse_address
from mailbridge.inbound.context import InboundContext, Outcome, Route
from mailbridge.inbound.reasons import Reason

RANK = (
    AddressKind.ANSWERS,
    AddressKind.REPLY,
    AddressKind.TESTIMONY,
    AddressKind.LIST,
    AddressKind.SUBSCRIBE,
    AddressKind.UNSUBSCRIBE,
)


def board_for_list(slug: str) -> Board | None:
    """The board whose list address is `<slug>@`: a session's or a network's board."""
    return selectors.board_for_list(slug=slug)


def step(ctx: InboundContext) -> Outcome:
    routes = []
    for address in ctx.rcpt_tos:
        parsed = parse_address(address)
        if parsed.kind in RANK:
            routes.append(Route(parsed.kind, address, slug=parsed.slug, token=parsed.token))
    if not routes:
        return Outcome.found(Reason.UNKNOWN_ADDRESS, "none of our addresses among RCPTs")
    routes.sort(key=lambda route: RANK.index(route.kind))
    ctx.route = route = routes[0]
    ignored = [r.address for r in routes[1:]]
    detail = f"{route.kind.value} {route.address}"
    if ignored:
        detail += f"; also sent to {', '.join(ignored)} (one message makes one post)"
    if route.kind not in (AddressKind.REPLY, AddressKind.ANSWERS):
        ctx.board = board_for_list(route.slug)
        if ctx.board is None:
            return Outcome.found(Reason.UNKNOWN_LIST, route.address)
    return Outcome.go_on(detail)
