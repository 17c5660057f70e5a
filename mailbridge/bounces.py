"""Bounces: delivery status notifications (RFC 3464) and refusals at the relay.

A DSN arrives at `bounces+<token>@` (the VERP envelope sender of every outgoing
mail; the gateway verifies the token and hands over the delivery id) and is parsed
with the standard library: a multipart/report whose message/delivery-status part
holds one block of per-message fields, then one block per recipient with Action,
Status and Diagnostic-Code. A refusal by our own relay (5xx at RCPT or DATA) is
recorded the same way by the sender (`record_delivery_failure`).

Only a report that proves it answers mail we sent counts against a mailbox: one at
the VERP address (its token is signed), or one whose returned message (RFC 3462's
third part) carries our Message-ID *and* the reply token we gave its recipient in
that message (`returned_delivery`). Anyone can write a report naming someone's
address; without that proof it is recorded for the organisers and not scored.

Each failure scores the person's mailbox: hard (status 5.x.x) +2, soft (4.x.x) +1;
a score whose last bounce is over 30 days old starts again from 0. At
INTERCOOP_BOUNCE_THRESHOLD (default 5) email delivery is suspended, and every page
asks the person to check their address (context_processors.mailbox_health).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mailbridge.addresses import reply_tokens_in
from mailbridge.models import Bounce, BounceKind, Delivery, DeliveryKind, MailboxHealth
from mailbridge.redaction import redact
from mailbridge.tokens import ReplyToken

logger = logging.getLogger(__name__)

SCORE = {BounceKind.HARD: 2, BounceKind.SOFT: 1}
QUIET_PERIOD = timedelta(days=30)
# RFC 3463 enhanced status: class.subject.detail (Exchange uses 3-digit details, 5.1.10).
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([245])\d\d\b")
# What the third part of a report may be: the whole message or only its headers.
_RETURNED_TYPES = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")


@dataclass(frozen=True)
class RecipientReport:
    """One per-recipient block of a DSN."""

    recipient: str
    action: str
    status: str
    diagnostic: str
    original_recipient: str = ""

    @property
    def kind(self) -> BounceKind | None:
        """HARD for a permanent failure, SOFT for a temporary one, None when the
        block reports no failure (delivered, relayed, expanded, or only delayed:
        the remote server is still trying, so nothing is lost yet)."""
        # RFC 3464 §2.3.3 requires Action; a report without one counts only when
        # its status is permanent.
        if self.action != "failed" and not (not self.action and self.status.startswith("5")):
            return None
        return BounceKind.SOFT if self.status.startswith("4") else BounceKind.HARD


@dataclass
class BounceOutcome:
    """What `bounce_process` made of a message, for the gateway's trail."""

    is_dsn: bool
    reason: str
    bounces: list[Bounce] = field(default_factory=list)
    # The delivery the report was attributed to, and how many failures it scored.
    delivery: Delivery | None = None
    scored: int = 0


def bounce_weight(kind: str) -> int:
    return SCORE[BounceKind(kind)]


# Parsing.


def _message(raw: bytes | Message) -> Message:
    return raw if isinstance(raw, Message) else BytesParser(policy=policy.default).parsebytes(raw)


def parse_dsn(raw: bytes | Message) -> list[RecipientReport] | None:
    """The per-recipient reports of a DSN, or None when `raw` is not one.

    Accepts the standard multipart/report; report-type=delivery-status, and also a
    message/delivery-status part nested elsewhere (some gateways wrap the report in
    another multipart). Never raises on malformed input.
    """
    try:
        message = _message(raw)
        status_part = next(
            (
                part
                for part in message.walk()
                if part.get_content_type() == "message/delivery-status"
            ),
            None,
        )
        if status_part is None:
            return None
        blocks = status_part.get_payload()
        if not isinstance(blocks, list) or len(blocks) < 2:
            return None
        return [_report(block) for block in blocks[1:]]
    except Exception:  # malformed MIME must give "not a DSN", never a crash
        logger.warning("unparsable delivery status notification", exc_info=True)
        return None


def _field(block: Message, name: str) -> str:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _typed_value(value: str) -> str:
    # "rfc822; someone@example.org", "smtp; 550 5.1.1 ..." → the part after the type.
    _type, semicolon, rest = value.partition(";")
    return rest.strip() if semicolon else value.strip()


def _report(block: Message) -> RecipientReport:
    original = _typed_value(_field(block, "Original-Recipient"))
    recipient = _typed_value(_field(block, "Final-Recipient")) or original
    # Exchange puts its diagnostic in X-Supplementary-Info instead.
    diagnostic = _typed_value(_field(block, "Diagnostic-Code")) or _field(
        block, "X-Supplementary-Info"
    )
    status = _field(block, "Status")
    match = _STATUS.search(status) or _STATUS.search(diagnostic)
    if match:
        status = match.group(0)
    return RecipientReport(
        recipient=recipient.strip("<>").lower(),
        action=_field(block, "Action").lower(),
        status=status,
        diagnostic=diagnostic[:2000],
        original_recipient=original.strip("<>").lower(),
    )


def returned_headers(message: Message) -> Message | None:
    """The headers of the message a report returns (its whole message, or only its
    headers, RFC 6522), or None when it returns none."""
    part = next(
        (part for part in message.walk() if part.get_content_type() in _RETURNED_TYPES), None
    )
    if part is None:
        return None
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        return payload[0] if isinstance(payload, list) and payload else None
    text = part.get_payload(decode=True) or b""
    return BytesParser(policy=policy.default).parsebytes(text, headersonly=True)


_OUR_POST_ID = re.compile(r"<post-([1-9][0-9]{0,18})@([^>\s]+)>")


def returned_delivery(message: Message) -> Delivery | None:
    """The delivery whose copy `message` (a report) returns, proven by its headers:
    our Message-ID `<post-<id>@domain>` and, in Reply-To, the reply token we signed
    for the copy's recipient and that post. Both are needed: every list member sees
    the Message-ID, but only the recipient got their token. None without proof."""
    try:
        token = _returned_token(message)
    except Exception:  # malformed MIME proves nothing, and must not crash
        logger.warning("unreadable message returned by a DSN", exc_info=True)
        return None
    if token is None:
        return None
    return (
        Delivery.objects.select_related("recipient")
        .filter(kind=DeliveryKind.POST, post_id=token.post_id, recipient_id=token.user_id)
        .order_by("-created_at", "-pk")
        .first()
    )


def _returned_token(message: Message) -> ReplyToken | None:
    """The verified reply token of the returned copy, when its Message-ID is ours
    and names the post the token was made for."""
    headers = returned_headers(message)
    if headers is None:
        return None
    match = _OUR_POST_ID.search(str(headers.get("Message-ID") or ""))
    if match is None or match.group(2).lower() != settings.INTERCOOP_MAIL_DOMAIN.lower():
        return None
    post_id = int(match.group(1))
    reply_to = getaddresses([str(value) for value in headers.get_all("Reply-To", [])])
    tokens = reply_tokens_in(address for _name, address in reply_to)
    return next((token for token in tokens if token.post_id == post_id), None)


def _names(report: RecipientReport, delivery: Delivery) -> bool:
    address = delivery.address.lower()
    return address in (report.recipient, report.original_recipient)


# Recording.


def bounce_process(raw: bytes | Message, delivery_id: int | None = None) -> BounceOutcome:
    """Record the failures reported by the DSN `raw` for the delivery `delivery_id`
    (from the verified bounces+ token; None when the token named none).

    With a delivery, the person is its recipient. Without one (a report sent to
    another of our addresses), the report must return the copy we sent
    (`returned_delivery`), and only the failures of that copy's recipient count.
    Any other failure is recorded for the organisers, attributed to the person with
    that address if any, and not scored: a report anyone can write must not let a
    stranger suspend someone's mail. A message that is not a DSN (an auto-reply,
    spam, a human writing to the bounce address) records nothing and says why.
    """
    reports = parse_dsn(raw)
    if reports is None:
        logger.info("message to the bounce address is not a DSN; ignored")
        return BounceOutcome(is_dsn=False, reason="not a delivery status notification")
    if delivery_id:
        delivery = Delivery.objects.select_related("recipient").filter(pk=delivery_id).first()
    else:
        delivery = returned_delivery(_message(raw))
    outcome = BounceOutcome(is_dsn=True, reason="no failure reported", delivery=delivery)
    for report in reports:
        kind = report.kind
        if kind is None:
            logger.info(
                "DSN for %s: action %r, not a failure",
                redact(report.recipient, logger),
                report.action,
            )
            continue
        if delivery is not None and (delivery_id or _names(report, delivery)):
            bounce = record_bounce(
                user=delivery.recipient,
                delivery=delivery,
                kind=kind,
                status=report.status,
                diagnostic=report.diagnostic,
            )
            outcome.scored += bounce is not None
        else:
            logger.warning(
                "DSN for %s that proves no mail of ours: recorded, not scored",
                redact(report.recipient, logger),
            )
            bounce = record_bounce(
                user=_person_with_address(report.recipient),
                delivery=None,
                kind=kind,
                status=report.status,
                diagnostic=report.diagnostic,
                score=False,
            )
        if bounce is not None:
            outcome.bounces.append(bounce)
    if outcome.bounces:
        unscored = len(outcome.bounces) - outcome.scored
        outcome.reason = f"{len(outcome.bounces)} bounce(s) recorded" + (
            f", {unscored} not scored (no proof it answers our mail)" if unscored else ""
        )
    return outcome


def record_delivery_failure(delivery: Delivery, code: int, text: str) -> Bounce | None:
    """Our relay refused `delivery` with a permanent reply (5xx, RFC 5321 §4.2.1):
    a hard bounce. Called by the sender, which marks the delivery failed itself."""
    text = " ".join((text or "").split())
    match = _STATUS.search(text)
    status = match.group(0) if match else f"{code // 100}.0.0"
    kind = BounceKind.SOFT if str(code).startswith("4") else BounceKind.HARD
    return record_bounce(
        user=delivery.recipient,
        delivery=delivery,
        kind=kind,
        status=status,
        diagnostic=f"{code} {text}".strip()[:2000],
    )


@transaction.atomic
def record_bounce(
    *,
    user,
    delivery: Delivery | None,
    kind: str,
    status: str,
    diagnostic: str,
    score: bool = True,
) -> Bounce | None:
    """Write one Bounce and (unless `score` is False) score the person's mailbox;
    suspend at the threshold.

    The same failure of the same delivery reported twice (a DSN redelivered, or a
    refusal at the relay followed by the DSN of a later hop) counts once.
    """
    if delivery is not None and Bounce.objects.filter(delivery=delivery, status=status).exists():
        logger.info("bounce %s for delivery %s already recorded", status, delivery.pk)
        return None
    bounce = Bounce.objects.create(
        delivery=delivery, user=user, kind=kind, status=status, diagnostic=diagnostic
    )
    if user is None:
        logger.warning("bounce %s (%s) matches no person; recorded only", status, diagnostic)
        return bounce
    if not score:
        return bounce
    MailboxHealth.objects.get_or_create(user=user)
    health = MailboxHealth.objects.select_for_update().get(user=user)
    now = timezone.now()
    if health.last_bounce_at is not None and now - health.last_bounce_at > QUIET_PERIOD:
        health.bounce_score = 0
    health.bounce_score += bounce_weight(kind)
    health.last_bounce_at = now
    if health.suspended_at is None and health.bounce_score >= settings.INTERCOOP_BOUNCE_THRESHOLD:
        health.suspended_at = now
        logger.warning(
            "mail to user %s suspended: bounce score %d (last: %s %s)",
            user.pk,
            health.bounce_score,
            status,
            diagnostic,
        )
    health.save(update_fields=["bounce_score", "last_bounce_at", "suspended_at"])
    return bounce


def _person_with_address(address: str):
    if not address:
        return None
    return get_user_model().objects.filter(email__iexact=address).first()


@transaction.atomic
def mail_delivery_resume(*, user) -> bool:
    """The person checked their address: score back to 0, mail flows again.
    Returns whether delivery was suspended."""
    updated = MailboxHealth.objects.filter(user=user, suspended_at__isnull=False).update(
        bounce_score=0, suspended_at=None
    )
    if updated:
        logger.info("mail to user %s resumed by them", user.pk)
    return bool(updated)


def suspended_user_ids():
    """Ids of people whose mail is suspended, for recipient queries (`.exclude(pk__in=…)`)."""
    return MailboxHealth.objects.filter(suspended_at__isnull=False).values("user_id")
