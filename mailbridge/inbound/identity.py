"""What names a message: its Message-ID, the Message-IDs it answers, its post key.

The steps read them from the parsed message (parse, find_parent, deduplicate); a
chunk of stored messages reads them beforehand from the raw header, to look its
messages up together (lookups.py) and to see which of them answer one another
(processing.py). Both read them here, so that they agree, and so that neither the
lookups nor the processing has to import a step.
"""

from __future__ import annotations

import hashlib
import re

from mailbridge.inbound.context import clean

MESSAGE_ID_MAX = 255
MSGID = re.compile(r"<[^<>\s]{1,250}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MESSAGE_ID_FIELD = re.compile(rb"(?im)^message-id[ \t]*:((?:.*)(?:\r?\n[ \t].*)*)")
_REFERENCE_FIELDS = re.compile(rb"(?im)^(?:in-reply-to|references)[ \t]*:((?:.*)(?:\r?\n[ \t].*)*)")


def one_line(text: str, limit: int) -> str:
    """A header value as one printable line (no CR/LF can reach a title or a log)."""
    return " ".join(_CONTROL.sub(" ", clean(text)).split())[:limit]


def message_id_of(value: str) -> str:
    """The `<left@right>` of a Message-ID header; the raw value trimmed otherwise."""
    match = MSGID.search(value or "")
    if match:
        return match.group(0)
    return one_line(value, MESSAGE_ID_MAX)


def post_key_from(message_id: str, raw: bytes) -> str:
    """What makes one post of a message however often it comes: its Message-ID, or
    for a message without one, its bytes."""
    if message_id:
        return message_id[:MESSAGE_ID_MAX]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _head(raw: bytes) -> bytes:
    return re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]


def post_key_of(raw: bytes) -> str:
    """The post key deduplicate will find for this message, read from its raw header
    (its parse may see another: then the step asks the database, see
    lookups.ChunkLookups.earlier_post)."""
    match = _MESSAGE_ID_FIELD.search(_head(raw))
    value = match.group(1).decode("ascii", "replace") if match else ""
    return post_key_from(message_id_of(value), raw)


def references_of(raw: bytes) -> set[str]:
    """The Message-IDs this message's In-Reply-To and References name, read from its
    raw header: enough for a chunk to see that it answers one of its own messages."""
    return {
        message_id
        for field in _REFERENCE_FIELDS.finditer(_head(raw))
        for message_id in MSGID.findall(field.group(1).decode("ascii", "replace"))
    }
