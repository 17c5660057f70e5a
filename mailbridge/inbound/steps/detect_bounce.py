"""detect_bounce: delivery status notifications go to the bounce scoring.

A DSN (RFC 3464: multipart/report; report-type=delivery-status) normally comes to
the VERP address `bounces+<token>@` of the delivery that failed; the token names
the delivery. Some servers send it to the From or Reply-To instead, so a DSN at
any of our addresses is recognised too; it counts against a mailbox only when the
message it returns proves it answers a copy we sent (bounces.returned_delivery),
and is otherwise recorded, not scored. Either way mailbridge.bounces.bounce_process
records it.

Anything else sent to a bounces+ address (a vacation message answering the
envelope sender, spam) is recorded and refused, silently: it is automatic mail.
"""

from __future__ import annotations

from mailbridge.addresses import AddressKind, parse_address
from mailbridge.bounces import bounce_process
from mailbridge.errors import InvalidToken
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.reasons import Reason
from mailbridge.tokens import verify_bounce_token


def is_dsn(message) -> bool:
    if message.get_content_type() != "multipart/report":
        return False
    return str(message.get_param("report-type") or "").lower() == "delivery-status"


def _bounce_delivery(rcpt_tos: list[str]) -> tuple[bool, int | None]:
    """(sent to a bounces+ address?, the delivery its token names)."""
    for address in rcpt_tos:
        parsed = parse_address(address)
        if parsed.kind is AddressKind.BOUNCES:
            try:
                return True, verify_bounce_token(parsed.token)
            except InvalidToken:
                return True, None
    return False, None


def step(ctx: InboundContext) -> Outcome:
    to_bounces, delivery_id = _bounce_delivery(ctx.rcpt_tos)
    if not to_bounces and not is_dsn(ctx.message):
        return Outcome.go_on("not a delivery status notification")
    ctx.automatic = True
    outcome = bounce_process(ctx.raw, delivery_id)
    if outcome.is_dsn:
        if outcome.delivery is None:
            where = "no delivery named or returned"
        elif delivery_id:
            where = f"delivery {delivery_id}"
        else:
            where = f"delivery {outcome.delivery.pk}, returned with its reply token"
        return Outcome.found(Reason.BOUNCE, f"{outcome.reason} ({where})")
    return Outcome.found(Reason.NOT_A_BOUNCE, outcome.reason)
