"""Quote prefixes other than "> ", rewritten as "> " before the reply rules run.

Some people quote with "| " (Pegasus Mail, mutt or Alpine set up so), and The Bat!,
Supercite (Gnus) and a few Outlook add-ons put the quoted person's initials before the
">" ("HM> ", "  HM> "), or Supercite their first name ("Bruno> "). A prefix is only taken
for a quote when at least MIN_LINES lines of the message carry it (the same initials or
name for that form): one line starting with "|" may be a table row or a drawing, one
"Re>" a typo.
"""

from __future__ import annotations

import re
from collections import Counter

MIN_LINES = 2

_PIPE = re.compile(r"^ {0,2}\|(?!\|) ?(?P<rest>.*)$")
# initials (« HM ») or a first name (« Bruno », « Hélène »)
_INITIALS = re.compile(
    r"^ {0,4}(?P<initials>[A-Za-zÀ-ÖØ-öø-ÿ]{1,4}|[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]{1,11})>(?!>) ?(?P<rest>.*)$"
)


def _pipe(line: str) -> re.Match[str] | None:
    match = _PIPE.match(line)
    # a Markdown or ASCII table row ends with "|" too
    if match and not (len(line.strip()) > 1 and line.rstrip().endswith("|")):
        return match
    return None


def _candidate(line: str) -> bool:
    """A cheap look before the regexes: "|" first, or a ">" right after a few letters."""
    start = line.lstrip(" ")[:14]
    if start.startswith("|"):
        return True
    end = start.find(">")
    return end > 0 and start[:end].isalpha()


def normalise_quote_prefixes(lines: list[str]) -> list[str]:
    """`lines` with "| " and "HM> " quote prefixes written "> " (nesting kept)."""
    candidates = [line for line in lines if _candidate(line)]
    if len(candidates) < MIN_LINES:
        return lines
    pipes = sum(1 for line in candidates if _pipe(line))
    initials = Counter(m.group("initials") for line in candidates if (m := _INITIALS.match(line)))
    taken = {name for name, count in initials.items() if count >= MIN_LINES}
    if pipes < MIN_LINES and not taken:
        return lines
    out = []
    for line in lines:
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
