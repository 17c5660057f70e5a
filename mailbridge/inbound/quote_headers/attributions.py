"""Attributions: the reply header above a quote ("Le 4 juil. 2007 à 10:12, Hélène <h@x.org>
a écrit :"), over one to MAX_WRAP lines, with the table of every language's rules."""

from __future__ import annotations

import re

from mailbridge.inbound.quote_headers.base import (
    TIME,
    Match,
    Rule,
    clean,
    is_quoted,
    next_content,
    rule,
)
from mailbridge.inbound.quote_headers.germanic import DUTCH, ENGLISH, GERMAN, NORDIC
from mailbridge.inbound.quote_headers.others import ANY_LANGUAGE, FINNISH, POLISH, RUSSIAN
from mailbridge.inbound.quote_headers.romance import (
    CATALAN,
    FRENCH,
    ITALIAN,
    PORTUGUESE,
    SPANISH,
)

MAX_WRAP = 3  # an attribution is looked for over this many joined lines

# the specific rules of a language before its `any_*` and short forms; the generic rule
# (any language, only before "> " lines) last
ATTRIBUTIONS: tuple[Rule, ...] = (
    *FRENCH,
    *ENGLISH,
    *GERMAN,
    *SPANISH,
    *CATALAN,
    *ITALIAN,
    *PORTUGUESE,
    *DUTCH,
    *NORDIC,
    *RUSSIAN,
    *POLISH,
    *FINNISH,
    *ANY_LANGUAGE,
)

# Gmail wraps a long header after the « < » of the address: « …Hélène Martin <\n
# h.martin@exemple.org> a écrit : »
_WRAPPED_ADDRESS = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+>")


def match_attribution(lines: list[str], i: int) -> Match | None:
    """A reply header over 1 to MAX_WRAP lines (clients wrap long ones at about 76
    columns, even in the middle of « a écrit : »)."""
    joined = ""
    for k in range(MAX_WRAP):
        if i + k >= len(lines):
            return None
        line = lines[i + k]
        if not line.strip() or (k and is_quoted(line)):
            return None
        joined = clean(f"{joined} {line}") if joined else clean(line)
        if len(joined) > 300:
            return None
        if not joined.endswith(":"):
            continue  # every reply header ends with a colon: skip the regexes
        for attribution in ATTRIBUTIONS:
            if k and attribution.needs_quote_after:
                continue  # the short forms are never wrapped; joining would over-match
            if attribution.pattern.fullmatch(joined):
                if attribution.needs_quote_after:
                    nxt = next_content(lines, i + k + 1)
                    if nxt is None or not is_quoted(lines[nxt]):
                        continue
                    return Match(attribution.name, "attribution", _wrapped_start(lines, i), i + 1)
                return Match(attribution.name, "attribution", i, i + k + 1)
    return None


def _wrapped_start(lines: list[str], i: int) -> int:
    """A short header found on its own line may be the end of a wrapped one: the line
    above belongs to it when it ends with the « < » that this line's address closes."""
    if i == 0 or not lines[i - 1].strip() or is_quoted(lines[i - 1]):
        return i
    if lines[i - 1].rstrip().endswith("<") or _WRAPPED_ADDRESS.match(clean(lines[i])):
        return i - 1
    return i


def match_quoted_attribution(line: str) -> str | None:
    """The rule name when a quoted line ("> Le … a écrit :", as the iPhone writes it
    inside the quote) is a reply header."""
    content = clean(line.lstrip(" >"))
    for attribution in ATTRIBUTIONS:
        if not attribution.needs_quote_after and attribution.pattern.fullmatch(content):
            return attribution.name
    return None


# A reply header in a language no rule knows, above the post as the list sent it, not
# quoted (Yahoo writes « … tarihinde Mathieu <m@x> şunu yazdı: » above the post it
# indents): an address, a date or a time, a final colon. Only where our footer follows
# unquoted, so that a line of the person's own ending with a colon is never taken.
HEADER_ABOVE_POST = rule(
    "header_above_post",
    "attribution",
    r".{0,160}[\w.+-]+@[\w-]+\.[\w.-]+.{0,160}:",
    "Any language: a line with an address and a date or a time, ending in « : », above"
    " the post as the list sent it, unquoted, with our footer.",
)
_DATED = re.compile(rf"{TIME}|(?<!\d)(?:19|20)\d{{2}}(?!\d)")


def match_header_above_post(lines: list[str], i: int) -> Match | None:
    """HEADER_ABOVE_POST over 1 to MAX_WRAP lines from `i` (the caller knows our footer
    is below)."""
    joined = ""
    for k in range(MAX_WRAP):
        if i + k >= len(lines) or not lines[i + k].strip() or is_quoted(lines[i + k]):
            return None
        joined = clean(f"{joined} {lines[i + k]}") if joined else clean(lines[i + k])
        if len(joined) > 300:
            return None
        if (
            joined.endswith(":")
            and HEADER_ABOVE_POST.pattern.fullmatch(joined)
            and _DATED.search(joined)
        ):
            return Match(HEADER_ABOVE_POST.name, "attribution", i, i + k + 1)
    return None
