"""The themes a testimony sent by mail names: a line « Thèmes : a, b » (or "Themes:",
« Thème : », "Tags:") first or last in its text, matched to the session's themes
without regard to case, accents, hyphens or spaces.

A name that is none of the session's themes refuses the whole testimony with a notice
listing the themes (testimony_unknown_theme): nothing half-read is stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_LINE = re.compile(r"^\s*(?:th[eè]mes?|tags?)\s*:\s*(?P<names>.*?)\s*$", re.IGNORECASE)
_LIST = re.compile(r"[,;]")
# Inside one item, only when the item as a whole is no theme ("amateurs et
# professionnels" is one).
_JOINS = re.compile(r"\s+(?:et|and|&)\s+|\s*/\s*", re.IGNORECASE)


def _key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", letters)


@dataclass
class ThemesRead:
    body: str
    theme_ids: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    named: bool = False  # the text had a themes line


def themes_read(body: str, themes: list[tuple[int, str]]) -> ThemesRead:
    """Take the themes line out of `body` and match its names to `themes` (id, name)."""
    lines = body.strip("\n").split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for index in filled[:1] + filled[-1:]:
        match = _LINE.match(lines[index])
        if match:
            break
    else:
        return ThemesRead(body=body)
    rest = "\n".join(lines[:index] + lines[index + 1 :]).strip("\n")
    by_key = {_key(name): pk for pk, name in themes}
    read = ThemesRead(body=rest, named=True)
    for item in filter(None, (n.strip(" .") for n in _LIST.split(match["names"]))):
        names = [item] if _key(item) in by_key else _JOINS.split(item)
        for name in filter(None, (n.strip(" .") for n in names)):
            pk = by_key.get(_key(name))
            if pk is None:
                read.unknown.append(name)
            elif pk not in read.theme_ids:
                read.theme_ids.append(pk)
    return read
