"""detect_auto_reply: messages written by a program are not posted, and not answered.

Signs, from the most reliable:

- `Auto-Submitted` other than `no` (RFC 3834 §5): auto-replied, auto-generated;
- the headers vacation programs add: `X-Autoreply`, `X-Autorespond`,
  `X-Autoresponder`; Exchange's `X-Auto-Response-Suppress` when it asks to
  suppress the replies to an automatic message (All, OOF, AutoReply): Exchange sets
  it on its out-of-office replies, Outlook not on what a person writes;
- `Precedence: bulk`, `junk` or `list` (RFC 3834 §2 names them as what a responder
  must not answer; they are what newsletters and other lists send);
- a read receipt (multipart/report; report-type=disposition-notification, RFC 8098);
- the null envelope sender (`MAIL FROM:<>`) on a message that is no DSN: RFC 3834
  §3.3 asks automatic responses to use it; no person's mail has it;
- subjects that vacation messages use in French, English and our other languages
  ("Absent du bureau", "Réponse automatique", "Out of office", "Automatic reply"…),
  for the responders that add no header at all.
"""

from __future__ import annotations

import re

from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.reasons import Reason

VACATION_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
BULK_PRECEDENCE = {"bulk", "junk", "list"}
_SUPPRESS = re.compile(r"\b(all|oof|autoreply)\b", re.IGNORECASE)
# At the start of the subject, after any "[tag]": what vacation responders write.
AUTO_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:"
    r"absente?s?\s+du\s+bureau|absence\s+du\s+bureau|message\s+d['’]absence"
    r"|r[ée]ponse\s+automatique|accus[ée]\s+de\s+r[ée]ception\s+automatique"
    r"|out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto[- ]?reply|autoreply"
    r"|auto[- ]?response|vacation\s+reply|away\s+from\s+(?:the\s+)?office"
    r"|abwesenheitsnotiz|automatische\s+antwort|nicht\s+im\s+b[üu]ro"
    r"|respuesta\s+autom[áa]tica|fuera\s+de\s+la\s+oficina"
    r"|risposta\s+automatica|fuori\s+(?:sede|ufficio)"
    r")\b",
    re.IGNORECASE,
)


def _header(message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - an unreadable header is no sign either way
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def auto_reply_sign(ctx: InboundContext) -> str:
    """What shows that a program wrote the message, or ""."""
    message = ctx.message
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in VACATION_HEADERS:
        if message.get(name) is not None:
            return f"{name} header"
    suppress = _header(message, "X-Auto-Response-Suppress")
    if suppress and _SUPPRESS.search(suppress):
        return f"X-Auto-Response-Suppress: {suppress}"
    precedence = _header(message, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type") or "").lower() == "disposition-notification"
    ):
        return "read receipt (disposition-notification)"
    if not ctx.mail_from:
        return "null envelope sender"
    local = ctx.mail_from.rpartition("@")[0].lower()
    if local in {"mailer-daemon", "postmaster"}:
        return f"sent by {local}"
    if AUTO_SUBJECT.search(ctx.subject):
        return f"subject {ctx.subject[:80]!r}"
    return ""


def step(ctx: InboundContext) -> Outcome:
    sign = auto_reply_sign(ctx)
    if sign:
        ctx.automatic = True
        return Outcome.found(Reason.AUTO_REPLY, sign)
    return Outcome.go_on("written by a person")
