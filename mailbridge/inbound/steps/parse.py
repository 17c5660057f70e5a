"""parse: the stored bytes become an EmailMessage, and the headers every later step
reads are decoded once.

The standard `email` package with `policy.default` (RFC 5322, RFC 2047 encoded
words, RFC 2231 parameters) parses anything without raising; a header it cannot
read is read again by body.header_text's best guess. A message is refused as
malformed only when nothing usable is left: no header at all, or no address in
From (RFC 5322 §3.6 requires one), since then nobody can be credited or answered.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import getaddresses

from mailbridge.inbound.body import header_text
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.identity import message_id_of, one_line
from mailbridge.inbound.parsed import parse_bytes
from mailbridge.inbound.reasons import Reason

SUBJECT_MAX = 300


def from_address_of(message) -> tuple[str, str]:
    """(addr_spec, display name) of the first From address, "" when there is none."""
    try:
        header = message["From"]
        addresses = getattr(header, "addresses", ()) if header is not None else ()
        for address in addresses:
            if isinstance(address, Address) and "@" in address.addr_spec:
                return one_line(address.addr_spec, 320), one_line(address.display_name, 200)
    except Exception:  # noqa: BLE001 - a From policy.default cannot parse: try the old way
        pass
    raw = next((str(v) for k, v in message.raw_items() if k.lower() == "from"), "")
    for name, addr in getaddresses([raw]):
        if "@" in addr:
            return one_line(addr, 320), one_line(name, 200)
    return "", ""


def step(ctx: InboundContext) -> Outcome:
    message = parse_bytes(ctx.raw)
    ctx.message = message
    if not message.keys():
        return Outcome.found(Reason.MALFORMED, "no header could be read")
    ctx.message_id = message_id_of(header_text(message, "Message-ID"))
    ctx.subject = one_line(header_text(message, "Subject"), SUBJECT_MAX)
    ctx.from_address, ctx.from_name = from_address_of(message)
    if not ctx.from_address:
        return Outcome.found(Reason.MALFORMED, "no sender address in the From header")
    defects = sorted({type(defect).__name__ for defect in message.defects})
    detail = f"From {ctx.from_address}, Message-ID {ctx.message_id or '(none)'}"
    if defects:
        detail += f"; read despite {', '.join(defects)}"
    return Outcome.go_on(detail)
