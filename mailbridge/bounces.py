"""Bounces: delivery status notifications (RFC 3464) and refusals at the relay.

A DSN arrives at `bounces+<token>@` (the VERP envelope sender of every outgoing
mail; the gateway verifies the token and hands over the delivery id) and is parsed
with the standard library: a multipart/report whose message/delivery-status part
holds one block of per-message fields, then one block per recipient with Action,
Status and Diagnostic-Code. A refusal by our own relay (5xx at RCPT or DATA) is
recorded the same way by the sender (`record_delivery_failure`).

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

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mailbridge.models import Bounce, BounceKind, Delivery, DeliveryStatus, MailboxHealth
from mailbridge.redaction import redact

logger = logging.getLogger(__name__)

SCORE = {BounceKind.HARD: 2, BounceKind.SOFT: 1}
QUIET_PERIOD = timedelta(days=30)
# RFC 3463 enhanced status: class.subject.detail (Exchange uses 3-digit details, 5.1.10).
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([245])\d\d\b")


@dataclass(frozen=True)
class RecipientReport:
    """One per-recipient block of a DSN."""

    recipient: str
    action: str
    status: str
    diagnostic: str

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


def bounce_weight(kind: str) -> int:
    return SCORE[BounceKind(kind)]


# Parsing.


def parse_dsn(raw: bytes | Message) -> list[RecipientReport] | None:
    """The per-recipient reports of a DSN, or None when `raw` is not one.

    Accepts the standard multipart/report; report-type=delivery-status, and also a
    message/delivery-status part nested elsewhere (some gateways wrap the report in
    another multipart). Never raises on malformed input.
    """
    try:
        message = (
            raw if isinstance(raw, Message) else BytesParser(policy=policy.default).parsebytes(raw)
        )
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
    recipient = _field(block, "Final-Recipient") or _field(block, "Original-Recipient")
    recipient = _typed_value(recipient)
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
    )


# Recording.


def bounce_process(raw: bytes, delivery_id: int | None = None) -> BounceOutcome:
    """Record the failures reported by the DSN `raw` for the delivery `delivery_id`
    (from the verified bounces+ token; None when the token named none).

    The person is the delivery's recipient. Without a delivery (a DSN sent to
    another of our addresses), the report's address is matched to a delivery we
    sent it in the last 30 days; when there is none, the bounce is recorded for
    the organisers but not scored: a report anyone can write, naming an address
    we did not write to, must not let a stranger suspend someone's mail. A
    message that is not a DSN (an auto-reply, spam, a human writing to the bounce
    address) records nothing and says why.
    """
    reports = parse_dsn(raw)
    if reports is None:
        logger.info("message to the bounce address is not a DSN; ignored")
        return BounceOutcome(is_dsn=False, reason="not a delivery status notification")
    delivery = (
        Delivery.objects.select_related("recipient").filter(pk=delivery_id).first()
        if delivery_id
        else None
    )
    outcome = BounceOutcome(is_dsn=True, reason="no failure reported")
    for report in reports:
        kind = report.kind
        if kind is None:
            logger.info(
                "DSN for %s: action %r, not a failure",
                redact(report.recipient, logger),
                report.action,
            )
            continue
        target = delivery or _recent_delivery_to(report.recipient)
        if target is not None:
            bounce = record_bounce(
                user=target.recipient,
                delivery=target,
                kind=kind,
                status=report.status,
                diagnostic=report.diagnostic,
            )
        else:
            logger.warning(
                "DSN for %s, to whom nothing was sent lately: recorded, not scored",
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
        outcome.reason = f"{len(outcome.bounces)} bounce(s) recorded"
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


def _recent_delivery_to(address: str) -> Delivery | None:
    if not address:
        return None
    return (
        Delivery.objects.select_related("recipient")
        .filter(
            address__iexact=address,
            status__in=(DeliveryStatus.SENT, DeliveryStatus.FAILED),
            created_at__gte=timezone.now() - QUIET_PERIOD,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


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
