"""detect_loop: our own mail coming back is never posted again.

A member's auto-forward, a misconfigured alias or another list subscribed to ours
sends our messages back to us; posting them would send them out again, and so on.
Three signs, any one enough:

- the `X-Intercoop-Post` marker every outgoing post carries (outbound/message.py),
  or `X-Intercoop-Origin`, on a post relayed to a bridged network's list
  (mailbridge.bridge.relay), which the list sends back to the bridge;
- a Message-ID we made: `<post-<id>@domain>` for posts, `<digest-…>`, `<recap-…>`,
  `<notice-…>` for the payload mails (outbound/payload_message.py);
- more Received headers than INTERCOOP_INBOUND_MAX_RECEIVED: the message has been
  round too many relays (RFC 5321 §6.3 asks servers to detect loops by counting
  them; Postfix refuses at 50).
"""

from __future__ import annotations

import re

from django.conf import settings

from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.reasons import Reason

MARKER = "X-Intercoop-Post"
# On a post relayed to a bridged network's list (mailbridge.bridge.relay).
ORIGIN_MARKER = "X-Intercoop-Origin"
_OUR_KINDS = r"(?:post|digest|recap|notice)"


def own_message_id(message_id: str) -> bool:
    domain = re.escape(settings.INTERCOOP_MAIL_DOMAIN)
    return bool(re.fullmatch(rf"<{_OUR_KINDS}-\d+@{domain}>", message_id or "", re.IGNORECASE))


def step(ctx: InboundContext) -> Outcome:
    message = ctx.message
    if message.get(MARKER) is not None:
        ctx.automatic = True
        marker = " ".join(str(message.get(MARKER)).split())[:40]
        return Outcome.found(Reason.LOOP, f"carries our {MARKER} marker ({marker})")
    if message.get(ORIGIN_MARKER) is not None:
        ctx.automatic = True
        return Outcome.found(Reason.LOOP, f"carries our {ORIGIN_MARKER} marker: relayed by us")
    if own_message_id(ctx.message_id):
        ctx.automatic = True
        return Outcome.found(Reason.LOOP, f"our own Message-ID {ctx.message_id}")
    hops = len(message.get_all("Received") or [])
    if hops > settings.INTERCOOP_INBOUND_MAX_RECEIVED:
        ctx.automatic = True
        return Outcome.found(Reason.LOOP, f"{hops} Received headers")
    return Outcome.go_on(f"{hops} Received headers")
