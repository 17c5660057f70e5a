"""Undo `format=flowed` (RFC 3676): join soft-wrapped lines back into paragraphs.

Thunderbird, Apple Mail and several webmails send text/plain wrapped at about 72
columns, marking each soft break with a trailing space. Posting that text as it is would
freeze the wrapping into the forum's paragraphs, and a reply header wrapped this way
("Le 04/07/2007 à 10:12, Hélène Martin a ␣/écrit :") would not be recognised.
"""

from __future__ import annotations

SIGNATURE_SEPARATOR = "-- "


def _split_quote(line: str) -> tuple[int, str]:
    depth = len(line) - len(line.lstrip(">"))
    content = line[depth:]
    if content.startswith(" "):  # space-stuffing, RFC 3676 §4.4
        content = content[1:]
    return depth, content


def unflow(text: str, *, delsp: bool = False) -> str:
    """Join the soft line breaks of a format=flowed body (RFC 3676 §4.1–4.5).

    A line ending in a space continues on the next line of the same quote depth; with
    DelSp=yes that space is removed when joining. The signature separator "-- " is
    never joined (§4.3). Quote marks come back as "> " per level.
    """
    out: list[str] = []
    paragraph: list[str] = []
    paragraph_depth = 0

    def flush() -> None:
        if paragraph:
            prefix = ">" * paragraph_depth
            body = "".join(paragraph)
            out.append(f"{prefix} {body}" if prefix and body else prefix + body)

    pending = False
    for line in text.split("\n"):
        depth, content = _split_quote(line)
        if pending and depth != paragraph_depth:
            flush()  # improperly flowed across quote depths: treat as a hard break
            pending = False
        if not pending:
            paragraph, paragraph_depth = [], depth
        soft = content.endswith(" ") and content != SIGNATURE_SEPARATOR
        if soft and delsp:
            content = content[:-1]
        paragraph.append(content)
        if soft:
            pending = True
            continue
        flush()
        pending = False
        paragraph, paragraph_depth = [], 0
    if pending:
        flush()
    return "\n".join(out)
