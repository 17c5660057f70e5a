"""Notices: the sender of a refused or held message is told why, once.

When the policy table says so (policy.py), the sender gets a short mail in
their language (French when we do not know it; both French and English when we
know nothing of them) saying what happened and what to do. Never:

- to a message a program wrote (bounce, auto-reply, loop: ctx.automatic), nor to
  the null sender `<>`: a notice answering a robot starts a mail loop (RFC 3834 §2);
- to an address that is one of ours, or a robot's by its name (MAILER-DAEMON,
  postmaster, no-reply, list servers: RFC 3834 §2 and RFC 2142);
- more than once a day per address and reason: the outbox's unique
  (address, key) with key `notice:<reason>:<date>`, so a sender retrying all day,
  or a forger using someone's address, cannot make us flood them.

A notice goes to the envelope sender (RFC 3834 §4: responses go to the
Return-Path), is marked `Auto-Submitted: auto-replied` with In-Reply-To naming the
refused message, and is sent through the transactional outbox like every mail:
a Delivery of kind NOTICE whose payload holds the rendered text.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from forum.models import Board
from forum.selectors.testimonies import testimony_themes
from mailbridge.inbound.context import InboundContext
from mailbridge.inbound.reasons import Reason
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.outbound.claims import OutboxRow
from mailbridge.outbound.fanout import outbox_wake
from mailbridge.outbound.sender import register_builder
from mailbridge.redaction import redact

logger = logging.getLogger(__name__)

ADDRESS_MAX = 254
ROBOT_LOCAL_PART = re.compile(
    r"^(?:mailer-daemon|postmaster|abuse|no-?reply|do-?not-?reply|bounces?|listserv|"
    r"majordomo|mailman|sympa|owner-.+|.+-owner|.+-request|.+-bounces?)(?:\+.*)?$",
    re.IGNORECASE,
)
_MSGID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")


def why_no_notice(ctx: InboundContext) -> str:
    """ "" when the sender of `ctx` may get a notice, else why not."""
    if ctx.reason is None or ctx.decision(ctx.reason).notice is None:
        return "no notice for this reason"
    if ctx.automatic:
        return "no notice to automatic mail"
    address = ctx.mail_from or ""
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return "no notice to the null sender"
    if domain.lower() == settings.INTERCOOP_MAIL_DOMAIN.lower():
        return "no notice to one of our own addresses"
    if ROBOT_LOCAL_PART.match(local):
        return f"no notice to a robot's address ({local})"
    if len(address) > ADDRESS_MAX or not address.isascii() and not _valid_utf8(address):
        return "no notice to an address we cannot write to"
    return ""


def _valid_utf8(address: str) -> bool:
    try:
        address.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def notice_send(ctx: InboundContext) -> str:
    """Write the notice for `ctx`'s decision, if one is due; returns what was done."""
    refusal = why_no_notice(ctx)
    if refusal:
        return refusal
    board = ctx.board or fallback_board()
    if board is None:
        return "no notice: no board to send it from"
    context = {
        "reason": ctx.reason.value,
        "original_subject": ctx.subject,
        "address": ctx.route.address if ctx.route else ", ".join(ctx.rcpt_tos),
        "list_address": f"{board.slug}@{settings.INTERCOOP_MAIL_DOMAIN}",
        "board_title": board.title,
        "board_url": _site_url(board),
        "thread_url": _site_url(ctx.thread) if ctx.thread is not None else "",
        "signup_url": _site_path("account_signup"),
        "registration_url": _site_path("forum:registration"),
        "site_url": settings.INTERCOOP_SITE_URL,
        "is_held": ctx.status == "held",
    }
    if ctx.reason is Reason.TESTIMONY_UNKNOWN_THEME and board.session_id:
        context["themes"] = [name for _pk, name in testimony_themes(session=board.session)]
    written = mail_write(
        address=ctx.mail_from,
        recipient=ctx.sender if _is_sender_address(ctx) else None,
        board=board,
        template=ctx.decision(ctx.reason).notice,
        context=context,
        key=f"notice:{ctx.reason.value}:{timezone.localdate().isoformat()}",
        language=ctx.language,
        in_reply_to=ctx.message_id,
    )
    if written:
        return f"notice to {ctx.mail_from}"
    return f"a notice for {ctx.reason.value} already went to {ctx.mail_from} today"


def _is_sender_address(ctx: InboundContext) -> bool:
    from mailbridge.inbound.people import address_key

    return ctx.sender is not None and address_key(ctx.mail_from) == address_key(ctx.from_address)


def fallback_board() -> Board | None:
    """The board a notice about no known board is sent from: the event's general one."""
    boards = (
        Board.objects.select_related("session")
        .filter(network=None)
        .order_by("session_id", "position", "pk")
    )
    return boards.filter(event__slug=settings.INTERCOOP_EVENT_SLUG).first() or boards.first()


def _site_url(obj) -> str:
    try:
        return settings.INTERCOOP_SITE_URL + obj.get_absolute_url()
    except NoReverseMatch:
        return settings.INTERCOOP_SITE_URL + "/"


def _site_path(name: str) -> str:
    try:
        return settings.INTERCOOP_SITE_URL + reverse(name)
    except NoReverseMatch:
        return settings.INTERCOOP_SITE_URL + "/"


def render_notice(template: str, context: dict, language: str) -> dict:
    """{"subject", "text"} of mailbridge/templates/mail/notices/<template>[_subject].txt, in
    `language`; in French then English when the language is not known."""
    available = dict(settings.LANGUAGES)
    languages = [language] if language in available else [settings.LANGUAGE_CODE, "en"]
    languages = list(dict.fromkeys(languages))
    subjects, texts = [], []
    for code in languages:
        with translation.override(code):
            subject = render_to_string(f"mail/notices/{template}_subject.txt", context)
            subjects.append(" ".join(subject.split()))
            texts.append(render_to_string(f"mail/notices/{template}.txt", context).strip())
    separator = "\n\n" + "-" * 40 + "\n\n"
    return {
        "subject": " / ".join(dict.fromkeys(subjects)),
        # Until a catalogue has the strings, both renderings are the same text: once.
        "text": separator.join(dict.fromkeys(texts)) + "\n",
        "language": languages[0],
    }


def mail_write(
    *,
    address: str,
    recipient,
    board: Board,
    template: str,
    context: dict,
    key: str,
    language: str,
    in_reply_to: str = "",
) -> bool:
    """Write one NOTICE delivery, unless one with this key already went to `address`.

    Returns whether it was written. The outbox wakes after the caller's commit.
    """
    address = address.strip()[:ADDRESS_MAX]
    payload = render_notice(template, context, language)
    payload["board_id"] = board.pk
    match = _MSGID.fullmatch(in_reply_to or "")
    if match:
        payload["in_reply_to"] = match.group(0)
    with transaction.atomic():
        if Delivery.objects.filter(address__iexact=address, key=key).exists():
            return False
        try:
            with transaction.atomic():
                Delivery.objects.create(
                    kind=DeliveryKind.NOTICE,
                    key=key,
                    recipient=recipient,
                    address=address,
                    payload=payload,
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            return False
        transaction.on_commit(lambda: outbox_wake(deliveries=1))
    logger.info("notice %s written for %s", key, redact(address, logger))
    return True


def build_notice_message(row: OutboxRow) -> bytes:
    """The wire bytes of a NOTICE delivery: the outbox's payload message, marked as
    an answer to the refused message (RFC 3834 §5: auto-replied, with In-Reply-To
    and References so that clients show it under the message it answers)."""
    from mailbridge.outbound.payload_message import build_payload_message

    delivery = Delivery.objects.select_related("recipient__profile").get(pk=row.id)
    data = build_payload_message(delivery)
    data = data.replace(
        b"\r\nAuto-Submitted: auto-generated\r\n", b"\r\nAuto-Submitted: auto-replied\r\n", 1
    )
    in_reply_to = (delivery.payload or {}).get("in_reply_to", "")
    if _MSGID.fullmatch(in_reply_to or ""):
        reference = in_reply_to.encode("ascii")
        data = b"In-Reply-To: " + reference + b"\r\nReferences: " + reference + b"\r\n" + data
    return data


register_builder(DeliveryKind.NOTICE, build_notice_message)
