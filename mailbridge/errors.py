"""Domain errors of the mail bridge: the sender's fault vs the operator's.

They become SMTP replies, HTTP answers or log lines only at the boundary (the
gateway, the views, the tasks).
"""

from __future__ import annotations


class MailbridgeError(Exception):
    """Base of every error the mail bridge raises on purpose."""


class InvalidToken(MailbridgeError, ValueError):
    """A reply+/bounces+ token that is forged, garbled, truncated or made for
    another purpose. `reason` is a stable code ("forged", "garbled") for the
    inbound pipeline's trail; the message says what was wrong."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"invalid token ({reason}): {detail}" if detail else reason)
        self.reason = reason


class RelayUnavailable(MailbridgeError):
    """The SMTP relay cannot be reached or dropped the connection (the operator's
    side): the deliveries of the batch wait and are tried again, nothing is lost."""


class SigningUnavailable(MailbridgeError):
    """DKIM is configured but its key cannot be used (the operator's side): mail
    waits rather than leave unsigned and fail DMARC at the receiver."""
