"""Quotes left between the person's own lines (step 5 of extract_reply.py): an inline
reply, which keeps the quotes it answers as Markdown quotes, or a bottom-posted reply,
which drops the quote above the answer (the forum shows the post it answers).

Lines are marked Q quoted, A reply header, B blank, T the person's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbridge.inbound import contact_blocks, quote_headers, signatures, tagged_answers
from mailbridge.inbound.quote_headers import is_quoted

_QUOTE_PREFIX = re.compile(r"^\s*((?:>\s?)+)")


@dataclass(frozen=True)
class Settled:
    """The lines to post, the rule that decided (None when no quote was left) and the
    quoted lines taken away."""

    lines: list[str]
    rule: str | None
    quoted: list[str]


def marks(own: list[str], attributions: list[quote_headers.Match]) -> list[str]:
    """Per line: Q quoted, A reply header, B blank, T the person's text."""
    marked = ["Q" if is_quoted(line) else "B" if not line.strip() else "T" for line in own]
    for match in attributions:
        for i in range(match.start, min(match.end, len(own))):
            marked[i] = "A"
    return marked


def settle(
    own: list[str], attributions: list[quote_headers.Match], *, quote_below: bool = False
) -> Settled:
    """Inline reply or bottom-posting. `quote_below`: a quote of the same post followed
    the person's last words (and was dropped as unanswered), so a single quote above them
    was cut from it to be answered, not kept whole above a bottom-posted answer."""
    marked = marks(own, attributions)
    if "Q" not in marked:
        return Settled(
            [line for line, mark in zip(own, marked, strict=True) if mark != "A"], None, []
        )
    blocks = _quote_blocks(marked)
    text_before = "T" in marked[: blocks[0][0]]
    # one quote holding the whole post, our footer included, was not trimmed to what is
    # answered: a bottom-posted reply, whatever greeting stands above it
    whole_post = len(blocks) == 1 and quotes_our_footer(own[blocks[0][0] : blocks[0][1]])
    if (len(blocks) >= 2 or text_before or quote_below) and not whole_post:
        quoted: list[str] = []
        # the last quote, when only a sign-off follows it, was left unanswered
        last_start, last_end = blocks[-1]
        if contact_blocks.is_closing(own[last_end:]):
            quoted = own[last_start:last_end]
            for i in range(last_start, last_end):
                marked[i] = "X"
        kept = []
        for line, mark in zip(own, marked, strict=True):
            if mark in "AX" or (mark == "Q" and quote_headers.match_quoted_attribution(line)):
                continue
            kept.append(markdown_quote(line) if mark == "Q" else line)
        kept = tagged_answers.keep_answered_quotes(_drop_quoted_footer(kept))
        return Settled(kept, "inline_reply", quoted)
    return Settled(
        [line for line, mark in zip(own, marked, strict=True) if mark not in "QA"],
        "bottom_posting",
        [line for line, mark in zip(own, marked, strict=True) if mark in "QA"],
    )


def _quote_blocks(marked: list[str]) -> list[tuple[int, int]]:
    """[start, end) of each run of quoted lines (blank lines inside a run included)."""
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(marked):
        if marked[i] != "Q":
            i += 1
            continue
        start = end = i
        while i < len(marked) and marked[i] in "QB":
            if marked[i] == "Q":
                end = i + 1
            i += 1
        blocks.append((start, end))
        i = end
    return blocks


def quotes_our_footer(block: list[str]) -> bool:
    unquoted = [unquote(line) for line in block]
    return any(signatures.is_product_footer(unquoted, i) for i in range(len(unquoted)))


def _drop_quoted_footer(lines: list[str]) -> list[str]:
    """Our footer inside a quote kept for an inline reply: "> -- " then "> Intercoop…"."""
    out: list[str] = []
    skipping = False
    for i, line in enumerate(lines):
        if line.startswith(">"):
            unquoted = [q.lstrip(">").removeprefix(" ") for q in lines[i : i + 3]]
            if not skipping and signatures.is_product_footer(unquoted, 0):
                skipping = True
            if skipping:
                continue
        else:
            skipping = False
        out.append(line)
    return out


def markdown_quote(line: str) -> str:
    """A kept quote line as Markdown: its own nesting written "> > " (mutt and Outlook
    Express write ">>" with no space), a space before the text."""
    match = _QUOTE_PREFIX.match(line)
    if not match:
        return line
    prefix = " ".join(">" * match.group(1).count(">"))
    content = line[match.end() :].rstrip()
    return f"{prefix} {content}" if content else prefix


def unquote(line: str) -> str:
    match = _QUOTE_PREFIX.match(line)
    if not match:
        return line
    return line[match.start(1) + 1 :].removeprefix(" ")
