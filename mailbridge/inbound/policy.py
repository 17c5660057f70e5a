"""What happens to a message, by what the pipeline found: one table (Mailman's chains).

A step of the pipeline (pipeline.py) does not decide what becomes of a message: it
says what it found, a `Reason` (reasons.py, which also holds the SMTP code, the
enhanced status and the text of each reason). This table maps each reason to:

- the action: `post` (a post was made), `hold` (kept for an organiser to look at),
  `reject` (refused), `bounce` (a delivery report, scored by bounces.py as the step
  read it), `command` (a list command, answered by mail), `discard` (nothing to do:
  a copy of a message already posted), `answer` (a questionnaire's answers recorded),
  `review` (a testimony kept for the session's facilitators to publish or refuse: not
  a post yet, nothing wrong), `keep` (a bridged list's own mail, shown to the
  network's référents);
- the status the stored message gets (the admin's filter, "why was my mail not
  posted?");
- the notice the sender gets, if any: a template of templates/mail/notices/, sent
  by notices.py, which also decides who never gets one (a robot, an automatic
  message, the null sender) and that one goes per sender per reason per day.

At a bridge (`bridge+<network-slug>@`, a network's own list), no reason gets a
notice: it would go to the whole list (`decision_for`).

Messages to a list command address (`<slug>+subscribe@`, `+unsubscribe@`) are
requests, not posts: nothing is held for an organiser, so the reasons list_command
finds there have a row of their own, `AT_COMMAND_ADDRESS`.

The reasons the gateway answers at RCPT or DATA (`ANSWERED_AT_SMTP`) stop the
message before it is stored: the sending server reads the reply, and no step ever
finds them. A reason that is in neither table is a bug, and `decision_for` says so
(a test checks that every reason is somewhere).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from mailbridge.addresses import AddressKind
from mailbridge.inbound.reasons import Reason
from mailbridge.models import InboundStatus


class Action(StrEnum):
    POST = "post"
    HOLD = "hold"
    REJECT = "reject"
    BOUNCE = "bounce"
    COMMAND = "command"
    DISCARD = "discard"
    REVIEW = "review"
    ANSWER = "answer"
    KEEP = "keep"


REFUSED = "refused"  # templates/mail/notices/refused.txt: says why, by reason
TESTIMONY = "testimony_received"  # templates/mail/notices/testimony_received.txt

POST, HOLD, REJECT = Action.POST, Action.HOLD, Action.REJECT
BOUNCE, COMMAND, DISCARD = Action.BOUNCE, Action.COMMAND, Action.DISCARD
REVIEW = Action.REVIEW
ANSWER = Action.ANSWER
KEEP = Action.KEEP


@dataclass(frozen=True)
class Decision:
    action: Action
    status: InboundStatus
    notice: str | None = None  # the notice's template, or None: no notice


# fmt: off
POLICY: dict[Reason, Decision] = {
    # The message becomes a post.
    Reason.POSTED:                Decision(POST,    InboundStatus.POSTED),
    Reason.NEW_THREAD:            Decision(POST,    InboundStatus.NEW_THREAD),
    # A reply to a questionnaire mail: its answers recorded (forum.services.answers);
    # the confirmation mail follows the recording.
    Reason.QUESTIONNAIRE_ANSWERED: Decision(ANSWER,  InboundStatus.ANSWERED),
    # Not a post, and nothing went wrong.
    Reason.DUPLICATE:             Decision(DISCARD, InboundStatus.DUPLICATE),
    Reason.BOUNCE:                Decision(BOUNCE,  InboundStatus.BOUNCE),
    # list_command mailed the confirmation link (commands.py).
    Reason.SUBSCRIBE_REQUESTED:   Decision(COMMAND, InboundStatus.COMMAND),
    Reason.UNSUBSCRIBE_REQUESTED: Decision(COMMAND, InboundStatus.COMMAND),
    # Perhaps a good message, from someone we cannot credit it to: an organiser looks.
    Reason.UNKNOWN_SENDER:        Decision(HOLD,    InboundStatus.HELD,       REFUSED),
    Reason.SENDER_MISMATCH:       Decision(HOLD,    InboundStatus.HELD,       REFUSED),
    # No notice: the sender's own domain says the mail may be forged.
    Reason.AUTHENTICATION_FAILED: Decision(HOLD,    InboundStatus.HELD),
    # A testimony (`<session-slug>+temoignage@`): published as a thread, or kept for the
    # facilitators' review (the sender told so); refused with a notice saying why.
    Reason.TESTIMONY_PUBLISHED:   Decision(POST,    InboundStatus.NEW_THREAD),
    Reason.TESTIMONY_HELD_FOR_REVIEW: Decision(REVIEW, InboundStatus.TESTIMONY, TESTIMONY),
    Reason.TESTIMONY_NOT_REGISTERED: Decision(REJECT, InboundStatus.REJECTED, REFUSED),
    Reason.TESTIMONY_TOO_LONG:    Decision(REJECT,  InboundStatus.REJECTED,   REFUSED),
    Reason.TESTIMONY_ALREADY_WRITTEN: Decision(REJECT, InboundStatus.REJECTED, REFUSED),
    Reason.TESTIMONY_UNKNOWN_THEME: Decision(REJECT, InboundStatus.REJECTED, REFUSED),
    # Refused, the sender told why.
    Reason.MALFORMED:             Decision(REJECT,  InboundStatus.REJECTED,   REFUSED),
    Reason.UNKNOWN_LIST:          Decision(REJECT,  InboundStatus.REJECTED,   REFUSED),
    Reason.POST_GONE:             Decision(REJECT,  InboundStatus.REJECTED,   REFUSED),
    Reason.NOT_ALLOWED:           Decision(REJECT,  InboundStatus.REJECTED,   REFUSED),
    Reason.THREAD_LOCKED:         Decision(REJECT,  InboundStatus.REJECTED,   REFUSED),
    Reason.EMPTY:                 Decision(REJECT,  InboundStatus.REJECTED,   REFUSED),
    Reason.TOO_LONG:              Decision(REJECT,  InboundStatus.REJECTED,   REFUSED),
    Reason.QUESTIONNAIRE_CLOSED:  Decision(REJECT,  InboundStatus.REJECTED,   REFUSED),
    # Answers that cannot all be read: nothing submitted, the readable ones kept as the
    # web form's draft; the step itself replies to each such message with what it
    # understood and what to fix (mailbridge/questionnaires/answering.py), so no notice.
    Reason.QUESTIONNAIRE_UNREADABLE: Decision(REJECT, InboundStatus.REJECTED),
    # A bridged list's own mail (a subscription to confirm…): shown to the référents on
    # the bridge's page (mailbridge.models.ListAdminMessage), never acted upon.
    Reason.LIST_ADMIN_MESSAGE:    Decision(KEEP,    InboundStatus.LIST_ADMIN),
    # At a bridge, not from its list: refused, silently (no notice to a list, below).
    Reason.BRIDGE_WRONG_LIST:     Decision(REJECT,  InboundStatus.REJECTED),
    # Refused silently: a program wrote it, or the gateway refused it already at RCPT
    # (a message reprocessed after a key rotation, a row written by hand).
    Reason.LOOP:                  Decision(REJECT,  InboundStatus.REJECTED),
    Reason.AUTO_REPLY:            Decision(REJECT,  InboundStatus.REJECTED),
    Reason.NOT_A_BOUNCE:          Decision(REJECT,  InboundStatus.REJECTED),
    Reason.UNKNOWN_ADDRESS:       Decision(REJECT,  InboundStatus.REJECTED),
    Reason.INVALID_TOKEN:         Decision(REJECT,  InboundStatus.REJECTED),
    # A step kept failing (processing.MAX_ATTEMPTS): our fault, the trail and the log say why.
    Reason.PROCESSING_ERROR:      Decision(REJECT,  InboundStatus.REJECTED),
}

AT_COMMAND_ADDRESS: dict[Reason, Decision] = {
    # Told how to register, or that the session is not open to them.
    Reason.UNKNOWN_SENDER:        Decision(COMMAND, InboundStatus.COMMAND,    REFUSED),
    Reason.NOT_ALLOWED:           Decision(COMMAND, InboundStatus.COMMAND,    REFUSED),
}
# fmt: on

ANSWERED_AT_SMTP = frozenset(
    {
        Reason.RECIPIENT_OK,
        Reason.STORED,
        Reason.RATE_LIMITED,
        Reason.TOO_MANY_CONNECTIONS,
        Reason.TOO_MANY_RECIPIENTS,
        Reason.TOO_BIG,
        Reason.LINE_TOO_LONG,
        Reason.TEMPORARY_FAILURE,
        Reason.DATA_BUDGET,
    }
)
COMMAND_ADDRESSES = (AddressKind.SUBSCRIBE, AddressKind.UNSUBSCRIBE)


def decision_for(reason: Reason, address_kind: AddressKind | None = None) -> Decision:
    """What becomes of a message in which the pipeline found `reason`, sent to an
    address of `address_kind` (None: not resolved yet). LookupError for a reason
    no step may find."""
    if address_kind in COMMAND_ADDRESSES and reason in AT_COMMAND_ADDRESS:
        return AT_COMMAND_ADDRESS[reason]
    try:
        decision = POLICY[reason]
    except KeyError:
        raise LookupError(f"no policy for reason {reason!r}") from None
    # A bridged list's mail is never answered: a notice would go to the whole list.
    return replace(decision, notice=None) if address_kind is AddressKind.BRIDGE else decision
