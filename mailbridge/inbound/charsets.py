"""Bytes of a mail part to text: a readable best guess, never an exception.

Real French mail declares its charset wrongly often enough to matter: 8-bit Latin-1 with
no charset at all (so US-ASCII by default, RFC 2045 §5.2), `charset=latin1` on UTF-8
bytes, `charset="unknown-8bit"`, Windows-1252 quotes (’ œ €) under an ISO-8859-1 label.
The order of guesses, and why:

1. UTF-8, when the bytes are valid UTF-8 and not plain ASCII. Text in a single-byte
   charset almost never forms valid multi-byte UTF-8 sequences by accident ("Ã©" would
   have to be written on purpose), so validity beats a declared label.
2. The declared charset, when Python knows it and it decodes strictly. ISO-8859-1 and
   US-ASCII labels are read as Windows-1252, as browsers do (WHATWG Encoding Standard):
   the bytes 0x80–0x9F are C1 controls in Latin-1, and in practice always mean ’ œ € …
   A US-ASCII label (also the default when none is given) fails on 8-bit bytes.
3. Windows-1252, the charset of the 8-bit French mail that declares nothing.
4. Latin-1, which maps every byte, so the function always returns text.
"""

from __future__ import annotations

import codecs

FALLBACK = "windows-1252"

# Labels whose bytes are read as Windows-1252 (WHATWG maps these to windows-1252).
_READ_AS_CP1252 = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin-1", "latin1", "l1", "cp819"}


def codec_name(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None if unknown or absent."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _READ_AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def _decodes(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_best(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode `data`; return (text, note), the note saying what was guessed, or None
    when the declared charset (or plain ASCII) was right."""
    declared_codec = codec_name(declared)
    if data.isascii():
        return data.decode("ascii"), None
    text = _decodes(data, "utf-8")
    if text is not None:
        if declared_codec == "utf-8":
            return text, None
        return text, f"declared {declared or 'no charset'}, decoded as utf-8"
    if declared_codec:
        text = _decodes(data, declared_codec)
        if text is not None:
            return text, None
    text = _decodes(data, "cp1252")
    if text is not None:
        return text, f"declared {declared or 'no charset'}, decoded as {FALLBACK}"
    return data.decode("latin-1"), f"declared {declared or 'no charset'}, decoded as latin-1"
