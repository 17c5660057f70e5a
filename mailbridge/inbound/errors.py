"""Errors of the inbound side: the sender's fault vs the operator's (docs/architecture.md,
"How the code is written").

They become SMTP replies only at the gateway, pipeline outcomes only in the
pipeline runner, HTTP answers only in the views.
"""

from __future__ import annotations

from mailbridge.errors import MailbridgeError
from mailbridge.inbound.reasons import Reason


class InboundError(MailbridgeError):
    """Base of every error the inbound side raises on purpose."""


class MessageRefused(InboundError):
    """The sender's fault: an address, token or message we do not take. `reason`
    names the line of the reasons table the boundary answers with."""

    def __init__(self, reason: Reason, detail: str = ""):
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


class IntakeUnavailable(InboundError):
    """The operator's side: the message could not be stored (database down, disk
    full). The gateway answers 451 4.3.0 and the sending server retries."""


class StepFailed(InboundError):
    """A pipeline step raised something unexpected (a bug, the database gone). The
    message stays stored and is tried again; after the last attempt it is
    rejected with reason `processing_error`, the traceback in the log."""

    def __init__(self, step: str, error: BaseException):
        super().__init__(f"step {step} failed: {type(error).__name__}: {error}")
        self.step = step
        self.error = error
