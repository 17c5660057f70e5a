"""A message serialised once and completed per recipient by joining bytes.

Building and serialising an `EmailMessage` costs far more than sending it
(docs/fixed-points.md, "Python's email package"). A mail that differs from one
recipient to the next only in a few headers and a few lines of its body is therefore
built once with a slot line (a random ASCII word alone on its line) where each
personal line goes, serialised once, and cut at those slots (`Spliced`). A copy is
then its personal header lines, the pieces, and each slot's lines encoded on their
own (`quoted_printable`). List mail (outbound/message.py: the footers) and the
questionnaire mail (mailbridge/questionnaires/message.py: the personal links) are
built this way.
"""

from __future__ import annotations

import binascii
import secrets
from collections.abc import Callable, Sequence

from django.urls import NoReverseMatch

CRLF = b"\r\n"


def slot_name(prefix: str = "ICSLOT") -> str:
    """A word no text contains by chance, to stand alone on a line of a body."""
    return prefix + secrets.token_hex(12)


def quoted_printable(text: str) -> bytes:
    """`text` (lines ending in "\\n") as a quoted-printable body's CRLF lines.

    Quoted-printable encodes line by line (RFC 2045 §6.7): lines encoded on their
    own, starting on a new line, are exactly what the whole body would have had
    there, for the reader. Lines ended by CRLF or a lone CR (a browser's text area
    sends CRLF) end by CRLF too: a bare CR is no line end on the wire (RFC 5321)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(lines.replace("\n", "\r\n").encode("utf-8"), istext=True)


def cut(raw: bytes, slot: str) -> tuple[bytes, bytes]:
    """Split `raw` around the line holding `slot` (the line and its CRLF go)."""
    marker = slot.encode("ascii") + CRLF
    before, found, after = raw.partition(marker)
    if not found or marker in after:
        raise RuntimeError(f"message slot {slot[:10]}… not found exactly once")
    return before, after


class Spliced:
    """A serialised message cut at its slot lines (given in the order they come)."""

    __slots__ = ("pieces",)

    def __init__(self, raw: bytes, slots: Sequence[str]):
        pieces = []
        rest = raw
        for slot in slots:
            before, rest = cut(rest, slot)
            pieces.append(before)
        pieces.append(rest)
        self.pieces = tuple(pieces)

    def join(self, headers: bytes, fills: Sequence[bytes]) -> bytes:
        """One copy: its own header lines (CRLF-ended) first, then the message with
        each slot's line replaced by its fill (CRLF-ended lines, e.g. from
        `quoted_printable`)."""
        pieces = self.pieces
        if len(fills) != len(pieces) - 1:
            raise ValueError(f"{len(pieces) - 1} slots, {len(fills)} fills")
        parts = [headers, pieces[0]]
        for fill, piece in zip(fills, pieces[1:], strict=True):
            parts.append(fill)
            parts.append(piece)
        return b"".join(parts)


def url_around_token(
    url: Callable[[int], str], token: Callable[[int], str]
) -> tuple[str, str] | None:
    """A personal URL split where its token goes, when the token is all that changes
    from one person to the next (`url(n)` and `token(n)` for person id n): a copy then
    joins strings rather than reversing a URL (reverse() was a large share of each
    copy: docs/benchmarks.md, "Costs behind the code"). None when the URL cannot be
    built or is not that simple: each URL is then built in full."""
    try:
        sample = url(1)
    except NoReverseMatch:
        return None
    before, found, after = sample.partition(token(1))
    if not found or before + token(2) + after != url(2):
        return None
    return before, after
