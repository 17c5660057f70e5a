"""list_command: `<slug>+subscribe@` and `<slug>+unsubscribe@`.

Nothing changes on a mail alone (a From address is easy to forge): the person gets
a confirmation mail with a signed link valid 7 days (mailbridge/inbound/commands.py),
and the change is made when they confirm on the site. Someone we do not know gets
a notice explaining how to register instead.
"""

from __future__ import annotations

from forum.permissions import can_see_board
from mailbridge.addresses import AddressKind
from mailbridge.inbound.commands import command_request
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.reasons import Reason

REQUESTED = {
    AddressKind.SUBSCRIBE: Reason.SUBSCRIBE_REQUESTED,
    AddressKind.UNSUBSCRIBE: Reason.UNSUBSCRIBE_REQUESTED,
}


def step(ctx: InboundContext) -> Outcome:
    kind = ctx.route.kind
    if kind not in REQUESTED:
        return Outcome.go_on("not a list command")
    if ctx.sender is None:
        return Outcome.found(Reason.UNKNOWN_SENDER, f"{kind.value} from {ctx.from_address}")
    if kind is AddressKind.SUBSCRIBE and not can_see_board(ctx.sender, ctx.board):
        return Outcome.found(
            Reason.NOT_ALLOWED,
            f"user {ctx.sender.pk} may not read {ctx.board.slug}",
        )
    sent = command_request(
        person=ctx.sender,
        board=ctx.board,
        action=kind.value,
        address=ctx.from_address,
        in_reply_to=ctx.message_id,
    )
    detail = (
        f"confirmation link mailed to {ctx.from_address}"
        if sent
        else f"a confirmation was already mailed to {ctx.from_address} today"
    )
    return Outcome.found(REQUESTED[kind], detail)
