"""What the pipeline's steps share: the message as received, what has been resolved
about it so far, and the trail of decisions (docs/architecture.md, "Path of a reply by
email", step 4).

A step reads and fills an `InboundContext`, and returns an `Outcome`: go on to the
next step, or stop here with what it found, a reason. What then becomes of the
message (its status, a notice) is the policy table's answer for that reason
(policy.py), not the step's. The trail, one entry per step that ran, is saved on
the InboundMessage row, so "why was my mail not posted?" is answered from the
database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from forum.attachment_files import clean
from mailbridge.addresses import AddressKind
from mailbridge.inbound.policy import Decision, decision_for
from mailbridge.inbound.reasons import Reason
from mailbridge.models import InboundStatus

if TYPE_CHECKING:
    from forum.models import Board, Post, Thread
    from forum.services import AttachmentDraft
    from mailbridge.inbound.lookups import ChunkLookups
    from mailbridge.models import InboundMessage

DETAIL_MAX = 500


@dataclass(frozen=True)
class Outcome:
    """What a step found: `reason` None means "nothing that stops the message,
    continue"; a reason stops it there, and the policy table says what follows."""

    reason: Reason | None = None
    detail: str = ""

    @property
    def stops(self) -> bool:
        return self.reason is not None

    @classmethod
    def go_on(cls, detail: str = "") -> Outcome:
        return cls(detail=detail)

    @classmethod
    def found(cls, reason: Reason, detail: str = "") -> Outcome:
        decision_for(reason)  # a reason no step may find fails here, in its step
        return cls(reason=reason, detail=detail)


@dataclass(frozen=True)
class Route:
    """The recipient address the message is processed for."""

    kind: AddressKind
    address: str
    slug: str = ""
    token: str = ""


@dataclass
class InboundContext:
    # As received (the stored row).
    inbound_id: int
    raw: bytes
    mail_from: str
    rcpt_tos: list[str]
    peer: str = ""
    received_at: datetime | None = None
    attempts: int = 1
    # parse
    message: EmailMessage | None = None
    message_id: str = ""
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    # Made by a program (bounce, auto-reply, loop): never answered with a notice.
    automatic: bool = False
    # resolve_address, verify_token, check_sender, find_parent
    route: Route | None = None
    board: Board | None = None
    thread: Thread | None = None
    parent: Post | None = None
    token_user_id: int | None = None
    questionnaire: Any = None  # answers+<token>@: the questionnaire answered
    bridge: Any = None  # bridge+<network-slug>@: the ListBridge (steps/bridge.py)
    sender: Any = None  # the person the message is attributed to, once recognised
    language: str = ""
    # deduplicate
    post_key: str = ""
    # extract, attachments
    original_text: str = ""
    body: str = ""
    attachments: list[AttachmentDraft] = field(default_factory=list)
    # The decision.
    status: str = InboundStatus.RECEIVED
    reason: Reason | None = None
    post: Post | None = None
    trail: list[dict] = field(default_factory=list)
    saved: bool = False  # the row holds the decision already (create_post wrote it)
    # What the chunk this message came with read for all its messages (lookups.py).
    lookups: ChunkLookups | None = None

    @classmethod
    def from_row(cls, row: InboundMessage, lookups: ChunkLookups | None = None) -> InboundContext:
        return cls(
            lookups=lookups,
            inbound_id=row.pk,
            raw=row.raw_bytes(),
            mail_from=row.mail_from,
            rcpt_tos=list(row.rcpt_tos or []),
            peer=row.peer,
            received_at=row.received_at,
            attempts=row.attempts,
        )

    def decision(self, reason: Reason) -> Decision:
        """What the policy table does with `reason` for this message."""
        return decision_for(reason, self.route.kind if self.route else None)

    def entry(self, step: str, outcome: Outcome) -> dict:
        return {
            "step": step,
            "outcome": "stop" if outcome.stops else "continue",
            "status": self.decision(outcome.reason).status if outcome.stops else "",
            "reason": outcome.reason.value if outcome.reason else "",
            "detail": clean(outcome.detail)[:DETAIL_MAX],
        }

    def record(self, step: str, outcome: Outcome) -> None:
        self.trail.append(self.entry(step, outcome))

    def decide(self, outcome: Outcome) -> None:
        """The message's status and reason, from the policy table, for what `outcome`
        found."""
        self.status = self.decision(outcome.reason).status
        self.reason = outcome.reason

    def row_fields(self) -> dict:
        """What the stored message's row records of the decision."""
        fields = {
            "status": self.status,
            "reason": self.reason.value if self.reason else "",
            "trail": self.trail,
            "message_id": self.message_id[:255],
            "from_address": self.from_address[:320],
            "subject": self.subject[:300],
            "processed_at": timezone.now(),
        }
        if self.sender is not None:
            fields["sender"] = self.sender
        if self.original_text:
            fields["original_text"] = self.original_text
        if self.post is not None:
            fields["post"] = self.post
        return fields

    def note(self, step: str, outcome: str, detail: str, reason: str = "") -> None:
        """A trail entry that is no step's decision (an error, a notice sent)."""
        self.trail.append(
            {
                "step": step,
                "outcome": outcome,
                "status": "",
                "reason": reason,
                "detail": clean(detail)[:DETAIL_MAX],
            }
        )
