"""The footer a list appends to each message, taken away before the text is
extracted (the whole message, footer included, stays available as received).

Lists put it after a separator line, and it names the list or how to leave it:

- Mailman 2: a line of underscores, then "List mailing list", the list's address
  and its `listinfo` page;
- Mailman 3: the same line, "list mailing list -- list@…", "To unsubscribe send an
  email to list-leave@…";
- Sympa: the list's own text, often after "--" or a line of dashes or underscores;
- Google Groups: "-- ", then "You received this message because you are subscribed
  to the Google Groups…" (French: "Vous recevez ce message, car vous êtes abonné…");
- Groups.io: between two lines of `-=-=-=-`, "Groups.io Links: You receive all
  messages sent to this group."

So: the last separator line followed by at most FOOTER_LINES lines, at least one of
which names the list or leaving it, is the footer; it goes with all that follows.
"""

from __future__ import annotations

import re

FOOTER_LINES = 15
_SEPARATOR = re.compile(r"^(?:_{5,}|-{5,}|(?:-=){3,}-?|--\s?)\s*$")
_NAMES_LEAVING = re.compile(
    r"mailing list|liste de diffusion|listinfo|unsubscribe|d[ée]sinscri|d[ée]sabonn"
    r"|se d[ée]sabonner|subscribed to the google groups|abonn[ée]\S* au groupe"
    r"|groups\.io links|google groups|/wws/|sympa",
    re.IGNORECASE,
)


def footer_strip(text: str, *, list_address: str = "", list_name: str = "") -> tuple[str, str]:
    """(the text without the list's footer, the footer removed or "")."""
    lines = (text or "").split("\n")
    names = [n.lower() for n in (list_address, list_address.partition("@")[0], list_name) if n]
    for start in range(len(lines) - 1, -1, -1):
        if len(lines) - start > FOOTER_LINES + 1:
            break
        if not _SEPARATOR.match(lines[start]):
            continue
        tail = "\n".join(lines[start + 1 :])
        lowered = tail.lower()
        if _NAMES_LEAVING.search(tail) or any(name in lowered for name in names):
            # A Groups.io footer opens with the same line it closes with.
            opening = start
            for before in range(start - 1, max(start - FOOTER_LINES, -1), -1):
                if lines[before].strip() == lines[start].strip() and "-=" in lines[start]:
                    opening = before
                    break
            return "\n".join(lines[:opening]).rstrip(), "\n".join(lines[opening:])
    return text, ""
