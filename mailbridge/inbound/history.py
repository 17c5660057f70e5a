"""Where the quoted history of a reply starts (step 1 of extract_reply.py), the reply
headers above the "> " quotes left in the person's words, and whether what starts there
is a forward (step 2): a message of its own, to keep."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbridge.inbound import inline_quotes, quote_headers, signatures
from mailbridge.inbound.footer_marker import FOOTER_MARKER
from mailbridge.inbound.quote_headers import is_quoted

# what shows a message the list sent: the board's tag in its subject, a reply address
_LIST_TAG = re.compile(r"\[[\w.-]+\]")
_REPLY_ADDRESS = re.compile(r"\breply\+", re.IGNORECASE)


@dataclass(frozen=True)
class Scan:
    """Where history starts (None: nowhere) and the reply headers above "> " blocks."""

    cut: quote_headers.Match | None
    attributions: list[quote_headers.Match]


def scan(lines: list[str], *, chevrons: bool, footer: bool = True) -> Scan:
    """Find where history starts (step 1) and the reply headers above "> " blocks.
    `chevrons`: a line may start with GroupWise's « >>> » header; `footer`: the text may
    hold our footer."""
    attributions: list[quote_headers.Match] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or is_quoted(line):
            found = quote_headers.match_chevron_header(lines, i) if chevrons else None
            if found is None:
                i += 1
                continue
        else:
            found = quote_headers.match_separator(lines, i) or quote_headers.match_header_block(
                lines, i
            )
        if found:
            header = _header_above_a_quote(lines, found)
            if header is None:
                return Scan(found, attributions)
            attributions.append(header)
            i = header.end
            continue
        found = quote_headers.match_attribution(lines, i)
        if found:
            following = next_content(lines, found.end)
            if following is not None and is_quoted(lines[following]):
                attributions.append(found)
                i = found.end
                continue
            return Scan(found, attributions)
        i += 1
    return Scan(_header_above_post(lines, attributions) if footer else None, attributions)


def _header_above_post(
    lines: list[str], attributions: list[quote_headers.Match]
) -> quote_headers.Match | None:
    """With no history found, a reply header in a language no rule knows above the post
    appended unquoted, our footer under it (quote_headers.HEADER_ABOVE_POST)."""
    footer = _our_footer(lines)
    if footer is None:
        return None
    for k in range(max((m.end for m in attributions), default=0), footer):
        if "@" in lines[k] and not is_quoted(lines[k]):
            # the address may close the first line of a wrapped header, or open its last
            for start in (k - 1, k) if k and lines[k - 1].strip() else (k,):
                found = quote_headers.match_header_above_post(lines, start)
                if found is not None:
                    return found
    return None


def _our_footer(lines: list[str]) -> int | None:
    """The line of our footer's separator, unquoted (indented, as Yahoo indents the post
    it appends, or not), or None."""
    for k, line in enumerate(lines):
        if (
            "--" in line
            and line.strip() == "--"
            and any(FOOTER_MARKER in after for after in lines[k + 1 : k + 3])
        ):
            return k
    return None


def _header_above_a_quote(
    lines: list[str], found: quote_headers.Match
) -> quote_headers.Match | None:
    """A separator or header block above a "> " quote of a post of the list (Outlook
    Express set to quote): a reply header like any other, the person may answer below.
    Not when our footer follows unquoted: the history is then the post as Outlook
    appends it, which itself began with a "> " quote."""
    if found.kind not in ("separator", "header_block") or not _quote_under(lines, found.end):
        return None  # the cheap look first: reading the header block costs more
    end = header_end(lines, found)
    following = next_content(lines, end)
    if following is None or not is_quoted(lines[following]):
        return None
    if any(signatures.is_product_footer(lines, k) for k in range(following, len(lines))):
        return None
    if is_forward(found, lines[found.start :]):
        return None
    return quote_headers.Match(found.rule, "attribution", found.start, end)


def _quote_under(lines: list[str], i: int) -> bool:
    """A "> " line under the lines from `i` on (a header block) and the blank ones below."""
    while i < len(lines) and lines[i].strip() and not is_quoted(lines[i]):
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i < len(lines) and is_quoted(lines[i])


def header_end(lines: list[str], found: quote_headers.Match) -> int:
    """Where the history's body starts: under the separator and the header block under
    it, if any."""
    following = next_content(lines, found.end)
    if following is not None and found.kind == "separator":
        block = quote_headers.match_header_block(lines, following)
        if block is not None:
            return block.end
    return found.end


def next_content(lines: list[str], i: int) -> int | None:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i if i < len(lines) else None


def is_forward(cut: quote_headers.Match, tail: list[str]) -> bool:
    """A forward separator, or a header block (or « Original Message » line) above a
    message that the list did not send. Outlook and Thunderbird forward under the same
    block as they reply; a post of the list has « [slug] » in its subject, our footer in
    its body and, as members receive it, a reply address in its To."""
    if cut.kind == "forward":
        return True
    if cut.kind not in ("separator", "header_block") or inline_quotes.quotes_our_footer(tail):
        return False
    fields = quote_headers.header_fields(tail)
    if not fields and cut.rule == "any_header_block":  # labels no rule knows
        if any(signatures.is_product_footer(tail, k) for k in range(len(tail))):
            return False
        return not quote_headers.shaped_block_names_the_list(tail)
    subject = fields.get("subject")
    return not (
        subject is None or _LIST_TAG.search(subject) or _REPLY_ADDRESS.search(fields.get("to", ""))
    )
