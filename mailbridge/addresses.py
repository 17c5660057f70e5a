"""What an address at INTERCOOP_MAIL_DOMAIN means (docs/fixed-points.md, "Mail addresses")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from mailbridge.errors import InvalidToken
from mailbridge.tokens import ReplyToken, verify_reply_token

# `<session-slug>+temoignage@`: a testimony for that session.
TESTIMONY_DETAIL = "temoignage"
# `bridge+<network-slug>@`: what a network's own list sends us (mailbridge/bridge/).
BRIDGE_BASE = "bridge"


def bridge_address(network) -> str:
    """The address that subscribes to a network's own list."""
    return f"{BRIDGE_BASE}+{network.slug}@{settings.INTERCOOP_MAIL_DOMAIN}"


def board_address(board) -> str:
    """The address a board's mail comes from and its posts are written to: the
    session's list for its board of exchanges, `<session-slug>+temoignage@` for its
    « Témoignages » board (whose own slug is no list)."""
    if board.kind == "testimonies" and board.session_id:
        return f"{board.session.slug}+{TESTIMONY_DETAIL}@{settings.INTERCOOP_MAIL_DOMAIN}"
    return f"{board.slug}@{settings.INTERCOOP_MAIL_DOMAIN}"


def board_list_slug(board) -> str:
    """The list slug of a board's commands (`<slug>+unsubscribe@`): a « Témoignages »
    board's are its session's."""
    if board.kind == "testimonies" and board.session_id:
        return board.session.slug
    return board.slug


class AddressKind(StrEnum):
    LIST = "list"
    REPLY = "reply"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    BOUNCES = "bounces"
    TESTIMONY = "testimony"
    ANSWERS = "answers"  # a questionnaire's answers by mail (mailbridge/questionnaires/)
    BRIDGE = "bridge"  # a network's own list, bridged (mailbridge/bridge/)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ParsedAddress:
    kind: AddressKind
    local: str
    slug: str = ""
    token: str = ""


def parse_address(address: str) -> ParsedAddress:
    """Split `local[+detail]@domain` into what it names; never raises.

    Addresses outside the mail domain, or with an empty local part, are UNKNOWN.
    Case is ignored, as receivers commonly do for local parts (RFC 5321 §2.4 allows it).
    """
    address = (address or "").strip().strip("<>")
    local, _, domain = address.rpartition("@")
    if not local or domain.lower() != settings.INTERCOOP_MAIL_DOMAIN.lower():
        return ParsedAddress(AddressKind.UNKNOWN, local)
    base, plus, detail = local.partition("+")
    base_lower = base.lower()
    if plus and base_lower in ("reply", "bounces", "answers") and detail:
        return ParsedAddress(AddressKind(base_lower), local, token=detail)
    if plus and base_lower == BRIDGE_BASE and detail:
        return ParsedAddress(AddressKind.BRIDGE, local, slug=detail.lower())
    if plus and base and detail.lower() in ("subscribe", "unsubscribe"):
        return ParsedAddress(AddressKind(detail.lower()), local, slug=base_lower)
    if plus and base and detail.lower() == TESTIMONY_DETAIL:
        return ParsedAddress(AddressKind.TESTIMONY, local, slug=base_lower)
    if not plus:
        return ParsedAddress(AddressKind.LIST, local, slug=base_lower)
    return ParsedAddress(AddressKind.UNKNOWN, local)


def reply_tokens_in(addresses: Iterable[str]) -> Iterator[ReplyToken]:
    """The verified tokens of the reply addresses among `addresses`, in order; other
    addresses, and reply addresses whose token is forged or garbled, are skipped."""
    for address in addresses:
        parsed = parse_address(address)
        if parsed.kind is not AddressKind.REPLY:
            continue
        try:
            yield verify_reply_token(parsed.token)
        except InvalidToken:
            continue
