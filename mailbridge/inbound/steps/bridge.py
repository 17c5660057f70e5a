"""bridge: what a network's own list sends to `bridge+<network-slug>@`.

Accepted only from the list the network's référents registered: the envelope
recipient names the bridge AND the message's List-Id is the list's. Then:

- the list's own administrative mail (a subscription to confirm, a welcome, its
  owners' notices: mailbridge.bridge.lists.is_list_admin) is kept for the
  référents, shown on the bridge's page, never acted upon (`list_admin_message`);
- a List-Id that is not the list's is refused (`bridge_wrong_list`);
- otherwise the real author is read behind the list's DMARC rewriting
  (mailbridge.bridge.senders) and found: a person whose verified address it is, or
  a guest (forum.services.guests). The steps that ask who may write to one of our
  lists (check_sender, list commands…) are not the bridge's: the list decided who
  writes to it, and the référent chose to bridge it (`pipeline.Step.bridged`);
  `authenticate` asks whether the list's domain vouches for the message.

A bridge's mail is never answered (no notice to a list: `ctx.automatic`, and the
policy table's `decision_for` gives none at a bridge), and is never a bounce to
score: this step comes before detect_bounce.
"""

from __future__ import annotations

from mailbridge.addresses import AddressKind, parse_address
from mailbridge.bridge.ingest import author_account
from mailbridge.bridge.lists import bridge_for_slug, is_list_admin, message_list_id
from mailbridge.bridge.senders import real_author
from mailbridge.inbound.body import message_bodies
from mailbridge.inbound.context import InboundContext, Outcome, Route, clean
from mailbridge.inbound.people import language_of
from mailbridge.inbound.reasons import Reason
from mailbridge.models import ListAdminMessage

ADMIN_TEXT_MAX = 20_000


def _route(ctx: InboundContext) -> Route | None:
    return next(
        (
            Route(parsed.kind, address, slug=parsed.slug)
            for address in ctx.rcpt_tos
            if (parsed := parse_address(address)).kind is AddressKind.BRIDGE
        ),
        None,
    )


def sent_to_bridge(ctx: InboundContext) -> bool:
    """The step runs for mail sent to a bridge address only."""
    return _route(ctx) is not None


def step(ctx: InboundContext) -> Outcome:
    route = _route(ctx)
    if route is None:
        return Outcome.go_on("not sent to a bridge")
    ctx.route, ctx.automatic = route, True
    bridge = bridge_for_slug(route.slug)
    if bridge is None:
        return Outcome.found(Reason.UNKNOWN_ADDRESS, f"no bridge {route.address}")
    ctx.bridge, ctx.board = bridge, bridge.network.board
    if is_list_admin(ctx.message, bridge, ctx.from_address):
        _admin_keep(ctx)
        return Outcome.found(Reason.LIST_ADMIN_MESSAGE, f"from {ctx.from_address}")
    list_id = message_list_id(ctx.message)
    if list_id != bridge.list_id:
        return Outcome.found(
            Reason.BRIDGE_WRONG_LIST, f"List-Id {list_id or '(none)'}, not {bridge.list_id}"
        )
    author = real_author(
        ctx.message,
        from_address=ctx.from_address,
        from_name=ctx.from_name,
        list_address=bridge.list_address,
    )
    ctx.from_address, ctx.from_name = author.address, author.name
    ctx.sender = author_account(author)
    ctx.language = language_of(ctx.sender)
    who = "a guest" if ctx.sender.profile.is_guest else f"user {ctx.sender.pk}"
    said = f", recovered from {author.recovered_from}" if author.recovered_from else ""
    return Outcome.go_on(f"list {list_id}: {author.address} ({who}{said})")


def _admin_keep(ctx: InboundContext) -> None:
    ListAdminMessage.objects.get_or_create(
        inbound_id=ctx.inbound_id,
        defaults={
            "bridge": ctx.bridge,
            "from_address": ctx.from_address[:320],
            "subject": ctx.subject[:300],
            "text": clean(message_bodies(ctx.message).text)[:ADMIN_TEXT_MAX],
            "received_at": ctx.received_at,
        },
    )
