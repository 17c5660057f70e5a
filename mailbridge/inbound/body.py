"""The readable bodies of a received message: the text to extract a reply from, and the
HTML kept for quote detection.

Parsed with the standard `email` package (policy.default). The text part is preferred:
every client that sends HTML also sends a text/plain alternative except a few webmails
and phones, and the text part is what the person's client meant as text. An HTML-only
message is converted to Markdown text (html_text.py). Charsets are guessed as
charsets.py explains; a part that cannot be read at all is skipped with a note, never
an exception. The HTML returned is the raw markup, for quote detection only: it is not
sanitised, and must be sanitised (nh3) before anything shows it.
"""

from __future__ import annotations

import email.header
import logging
from dataclasses import dataclass
from email.message import Message

from mailbridge.inbound.charsets import decode_best
from mailbridge.inbound.flowed import unflow
from mailbridge.inbound.html_text import html_to_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bodies:
    """`text` is never None ("" for a message without a readable body); `charset_note`
    says what was guessed or skipped, for the trail (None when nothing was)."""

    text: str
    html: str | None
    charset_note: str | None


def _content_type(part: Message) -> tuple[str, dict[str, str]]:
    """(type/subtype, parameters), parsing the header once: policy.default re-parses it on
    every get_content_type()/get_param() call, which dominated the cost of this module."""
    header = part.get("Content-Type")
    ctype = getattr(header, "content_type", None)
    if ctype is not None:
        return ctype, {key.lower(): str(value) for key, value in header.params.items()}
    params = {key.lower(): str(value) for key, value in (part.get_params() or [])[1:]}
    return part.get_content_type(), params


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return disposition == "attachment"


def _text_parts(msg: Message) -> dict[str, tuple[Message, dict[str, str]]]:
    """The first inline text/plain and text/html parts, in document order, without going
    into attached messages (message/rfc822) or attachments."""
    found: dict[str, tuple[Message, dict[str, str]]] = {}
    stack = [msg]
    while stack and len(found) < 2:
        part = stack.pop()
        ctype, params = _content_type(part)
        if ctype.startswith("multipart/"):
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed(payload))
            continue
        if ctype in ("text/plain", "text/html") and not _is_attachment(part):
            found.setdefault(ctype.removeprefix("text/"), (part, params))
    return found


def part_text(part: Message, params: dict[str, str] | None = None) -> tuple[str, str | None]:
    """The decoded text of a text/* part and a note on its charset (None if as declared).
    RFC 2045 transfer encodings (quoted-printable, base64, 8bit) are undone by the email
    package; format=flowed (RFC 3676) is unflowed."""
    if params is None:
        params = _content_type(part)[1]
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = b""
    text, note = decode_best(payload, params.get("charset"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if params.get("format", "").lower() == "flowed":
        text = unflow(text, delsp=params.get("delsp", "").lower() == "yes")
    return text, note


def message_bodies(msg: Message) -> Bodies:
    """Text and HTML bodies of `msg`; never raises."""
    notes: list[str] = []
    plain = html = None
    try:
        parts = _text_parts(msg)
    except Exception as exc:  # noqa: BLE001 - a tree the email package could not build
        logger.warning("MIME tree unreadable", exc_info=True)
        notes.append(f"MIME tree unreadable: {type(exc).__name__}: {exc}")
        parts = {}
    for subtype in ("plain", "html"):
        if subtype not in parts:
            continue
        part, params = parts[subtype]
        try:
            text, note = part_text(part, params)
            if note:
                notes.append(f"text/{subtype}: {note}")
            if part.defects:
                defects = ", ".join(sorted({type(d).__name__ for d in part.defects}))
                notes.append(f"text/{subtype}: read despite {defects}")
        except Exception as exc:  # noqa: BLE001 - skip the part, say so, go on
            logger.warning("unreadable text/%s part skipped", subtype, exc_info=True)
            notes.append(f"text/{subtype} part skipped: {type(exc).__name__}: {exc}")
            continue
        if subtype == "plain":
            plain = text
        else:
            html = text
    if plain is None and html is None and _content_type(msg)[0].startswith("multipart/"):
        plain, note = _unsplittable_multipart(msg)
        if note:
            notes.append(note)
    text = plain if plain and plain.strip() else ""
    if not text and html:
        try:
            text = html_to_text(html)
        except Exception as exc:  # noqa: BLE001
            logger.warning("HTML body could not be converted", exc_info=True)
            notes.append(f"text/html not converted: {type(exc).__name__}: {exc}")
    return Bodies(text=text, html=html, charset_note="; ".join(notes) or None)


def _unsplittable_multipart(msg: Message) -> tuple[str | None, str | None]:
    """A multipart without a usable boundary has no parts: read its body as text rather
    than lose the message (the person's words are usually there, between MIME lines)."""
    try:
        payload = msg.get_payload(decode=False)
        if not isinstance(payload, str) or not payload.strip():
            return None, None
        raw = payload.encode("ascii", "surrogateescape")
        text, _note = decode_best(raw, _content_type(msg)[1].get("charset"))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text, "multipart without a usable boundary: body read as text"
    except Exception as exc:  # noqa: BLE001
        return None, f"multipart body unreadable: {type(exc).__name__}"


def header_text(msg: Message, name: str) -> str:
    """A header's text with RFC 2047 encoded words decoded; "" when absent. Where the
    email package had to give up (an unknown charset in an encoded word, raw 8-bit
    bytes), the raw header is decoded again with the same best guess as bodies."""
    try:
        value = msg.get(name)
        text = "" if value is None else str(value)
    except Exception:  # noqa: BLE001 - a header policy.default cannot parse
        text = "\ufffd"
    if "\ufffd" not in text:
        return text
    raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    if raw is None:
        return text
    try:
        pieces = email.header.decode_header(str(raw))
    except Exception:  # noqa: BLE001
        return text
    out = []
    for data, charset in pieces:
        if isinstance(data, str):
            data = data.encode("ascii", "surrogateescape")
        out.append(decode_best(data, charset)[0])
    return " ".join(" ".join(out).split())
