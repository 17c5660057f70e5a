"""Quote prefixes other than "> ", rewritten as "> " before the reply rules run.

Some people quote with "| " (Pegasus Mail, mutt or Alpine set up so) or ": " (Pine,
slrn), and The Bat!, Supercite (Gnus) and a few Outlook add-ons put the quoted person's
initials before the ">" ("HM> ", "  HM> ", "[HM]> "), or Supercite their first name
("Bruno> "). A prefix is only taken for a quote when it repeats: at least MIN_LINES lines
of the message carry it (the same initials or name for that form; for ": ", two of
them on consecutive lines): one line starting with "|" may be a table row or a drawing, one
"Re>" a typo, one ": " a list item.
"""

from __future__ import annotations

import re
from collections import Counter

MIN_LINES = 2

_PIPE = re.compile(r"^ {0,2}\|(?!\|) ?(?P<rest>.*)$")
# initials (« HM »), in brackets (« [HM] »), or a first name (« Bruno », « Hélène »)
_INITIALS = re.compile(
    r"^ {0,4}(?P<open>\[)?(?P<initials>[A-Za-zÀ-ÖØ-öø-ÿ]{1,4}|[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]{1,11})"
    r"(?(open)\])>(?!>) ?(?P<rest>.*)$"
)
# Pine and slrn set to quote with « : », nested « : : » or « :: »; a colon followed by a
# space or ending the line, so that « :-) » and « :) » are no quotes
_COLONS = re.compile(r"^ {0,2}(?P<colons>(?::(?: |$|(?=:)))+)(?P<rest>.*)$")


def _pipe(line: str) -> re.Match[str] | None:
    match = _PIPE.match(line)
    # a Markdown or ASCII table row ends with "|" too
    if match and not (len(line.strip()) > 1 and line.rstrip().endswith("|")):
        return match
    return None


def _candidate(line: str) -> bool:
    """A cheap look before the regexes: "|" or ":" first, or a ">" right after a few
    letters (in brackets or not)."""
    start = line.lstrip(" ")[:16]
    if start[:1] in ("|", ":"):
        return True
    end = start.find(">")
    return end > 0 and start[:end].strip("[]").isalpha()


def _colon_quotes(lines: list[str]) -> dict[int, re.Match[str]]:
    """The lines quoted with « : », by line number: all those starting with it once a run
    of at least MIN_LINES consecutive ones shows the quote (one line starting with « : »,
    or a few apart, are list items or typos)."""
    found: dict[int, re.Match[str]] = {}
    run = longest = 0
    for i, line in enumerate(lines):
        match = _COLONS.match(line) if line.lstrip(" ")[:1] == ":" else None
        if match is not None:
            found[i] = match
        run = run + 1 if match is not None else 0
        longest = max(longest, run)
    return found if longest >= MIN_LINES else {}


def normalise_quote_prefixes(lines: list[str]) -> list[str]:
    """`lines` with "| " and "HM> " quote prefixes written "> " (nesting kept)."""
    candidates = [line for line in lines if _candidate(line)]
    if len(candidates) < MIN_LINES:
        return lines
    pipes = sum(1 for line in candidates if _pipe(line))
    initials = Counter(m.group("initials") for line in candidates if (m := _INITIALS.match(line)))
    taken = {name for name, count in initials.items() if count >= MIN_LINES}
    colons = _colon_quotes(lines) if any(line.lstrip(" ")[:1] == ":" for line in candidates) else {}
    if pipes < MIN_LINES and not taken and not colons:
        return lines
    out = []
    for i, line in enumerate(lines):
        if i in colons:
            depth, rest = colons[i].group("colons").count(":"), colons[i].group("rest")
            out.append(f"{'>' * depth} {rest}" if rest.strip() else ">" * depth)
            continue
        match = _pipe(line) if pipes >= MIN_LINES else None
        if match is None:
            match = _INITIALS.match(line)
            if match is not None and match.group("initials") not in taken:
                match = None
        if match is None:
            out.append(line)
            continue
        rest = match.group("rest")
        out.append(f"> {rest}" if rest.strip() else ">")
    return out
