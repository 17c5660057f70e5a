"""The real author of a list message, behind what lists do to the From header for
DMARC.

A list that relays a message whose sender's domain publishes a strict DMARC policy
cannot keep that From (receivers would refuse the copy): it writes its own address
there and says who wrote it elsewhere.

- Mailman 2.1 and 3 (`dmarc_moderation_action` / `dmarc_mitigate_action`, "munge
  from"): `From: "Name via List" <list@…>`, the author's address in Reply-To, or in
  Cc when Reply-To already names the list;
- Sympa (`dmarc_protection`): `From: "Name via List" <list@…>` and the original in
  `X-Original-From`;
- Google Groups: `From: 'Name' via Group <group@googlegroups.com>`, the author in
  `X-Original-Sender` (address only) and Reply-To;
- Groups.io: `From: "Name via groups.io" <name=example.org@groups.io>`, the
  author's address folded into the local part, and `X-Original-From`;
- RFC 5703's `Original-From`, for any other list that follows it.

A From that is none of the list's own addresses is the author: nothing to recover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses

from mailbridge.bridge.lists import list_address_normalised
from mailbridge.inbound.body import header_text
from mailbridge.inbound.identity import one_line

# "Name via List", "'Name' via Group": the author's name before " via ".
_VIA = re.compile(r"^\s*(?P<name>.*?)\s+via\s+\S.*$", re.IGNORECASE)
# Groups.io: `name=example.org@groups.io`.
_FOLDED = re.compile(r"^(?P<local>[^=@]+)=(?P<domain>[^=@]+\.[^=@]+)$")
_ORIGINAL_HEADERS = ("Original-From", "X-Original-From")


@dataclass(frozen=True)
class Author:
    address: str
    name: str
    recovered_from: str = ""  # which header said it, when the From was rewritten


def _mailboxes(message, name: str) -> list[tuple[str, str]]:
    value = header_text(message, name)
    return [
        (one_line(display, 200), one_line(address, 320).lower())
        for display, address in getaddresses([value])
        if "@" in address
    ]


def _unquoted(name: str) -> str:
    return name.strip().strip("'\"").strip()


def _via_name(display: str) -> str:
    match = _VIA.match(display or "")
    return _unquoted(match.group("name")) if match else ""


def _is_lists(address: str, list_address: str) -> bool:
    """The list's posting address, or another of its domain's that the list writes
    in a rewritten From (`noreply`, the Groups.io folded form)."""
    address, list_address = address.lower(), list_address_normalised(list_address)
    if address == list_address:
        return True
    domain, lists = address.rpartition("@")[2], list_address.rpartition("@")[2]
    # Groups.io writes from `groups.io` for lists at `<group>.groups.io`.
    return domain == lists or lists.endswith("." + domain) or domain.endswith("." + lists)


def real_author(message, *, from_address: str, from_name: str, list_address: str) -> Author:
    """Who wrote the list message whose From is `from_name <from_address>`."""
    if not _is_lists(from_address, list_address) or not (
        _via_name(from_name) or from_address.lower() == list_address_normalised(list_address)
    ):
        return Author(from_address.lower(), _unquoted(from_name))
    name = _via_name(from_name)
    for header in _ORIGINAL_HEADERS:
        for display, address in _mailboxes(message, header):
            return Author(address, _unquoted(display) or name, header)
    sender = _mailboxes(message, "X-Original-Sender")
    if sender:
        return Author(sender[0][1], name or _unquoted(sender[0][0]), "X-Original-Sender")
    for header in ("Reply-To", "Cc"):
        for display, address in _mailboxes(message, header):
            if not _is_lists(address, list_address):
                return Author(address, name or _unquoted(display), header)
    folded = _FOLDED.match(from_address.rpartition("@")[0])
    if folded:
        address = f"{folded.group('local')}@{folded.group('domain')}".lower()
        return Author(address, name, "From (folded)")
    return Author(from_address.lower(), name or _unquoted(from_name))
