"""Header blocks in a language whose labels no rule knows, recognised by their shape: a
run of three to eight "Label: value" lines, each label a word or three, one value a date
(« Kimden: … / Gönderildi: … / Kime: … / Konu: … », « Od: … / Komu: … / Datum: … /
Předmět: … »).

A person may write such lines too (« Date : 4 juillet / Lieu : Valence / Contact :
m@x.org »), and everything under a header block is dropped as history, so the shape
alone is not enough: the block must also name the list (the board's « [slug] » in a
subject, a reply+ address) or stand under a rule line as the clients draw them (Outlook's
underscores, a titled rule): a person may draw « *** » or « --- » above their own lines.
"""

from __future__ import annotations

import re

from mailbridge.inbound.quote_headers.base import clean, is_quoted

# a label: one to three words of letters, then the colon (a space before it in French,
# full-width in Chinese and Japanese)
_LABELLED = re.compile(
    r"(?P<label>[^\W\d_][^\W\d_'’.-]*(?:[ '’.-][^\W\d_]+){0,2}\.?) ?[:：] ?(?P<value>.*)"
)
# the same, as written: HTML's bold (« **De :** ») and no-break spaces not yet cleaned
_LABEL_START = re.compile(
    r"[\s*]*[^\W\d_][^\W\d_'’.-]*(?:[\s'’.-]+[^\W\d_]+){0,2}\.?\**[\s*]*[:：]"
)
MAX_LABEL_CHARS = 30
MIN_FIELDS = 3
MAX_FIELDS = 8
# a year, or a time written with a colon or an « h » (« 04.72.00.00.00 » is a phone)
_DATE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)|(?<!\d)\d{1,2}[:h]\d{2}(?!\d)")
_LIST_POST = re.compile(r"\[[\w.-]+\]|\breply\+", re.IGNORECASE)


def labelled(line: str) -> tuple[str, str] | None:
    """(label, value) of a "Label: value" line, or None."""
    colon = line.find(":")
    if colon < 0:
        colon = line.find("：")  # Chinese and Japanese clients write the full-width colon
    if colon < 1 or colon > MAX_LABEL_CHARS + 4:
        return None  # the cheap look first: most lines hold no colon near their start
    if not _LABEL_START.match(line):
        return None  # the label as written, before the line is cleaned
    match = _LABELLED.fullmatch(clean(line))
    if match is None or len(match.group("label")) > MAX_LABEL_CHARS:
        return None
    return match.group("label").lower(), match.group("value").strip()


def shaped_block_end(lines: list[str], start: int) -> int | None:
    """End of the header block shaped as one that starts at `start`, or None when the
    lines from there are no such block (whatever stands around them)."""
    fields: dict[str, str] = {}
    i, wrapped = start, False
    while i < len(lines) and lines[i].strip() and not is_quoted(lines[i]):
        found = labelled(lines[i])
        if found is not None and found[0] not in fields:
            fields[found[0]] = found[1]
            wrapped = False
        elif i > start and not wrapped:
            wrapped = True  # a wrapped list of recipients, once per field
            fields[next(reversed(fields))] += " " + clean(lines[i])
        else:
            break
        i += 1
    values = list(fields.values())
    if not MIN_FIELDS <= len(values) <= MAX_FIELDS or not values[0]:
        return None
    if not any(_DATE.search(value) for value in values):
        return None
    return i


def names_the_list(lines: list[str]) -> bool:
    """A value of the block names the list: the board's tag or a reply address."""
    return any(
        (found := labelled(line)) is not None and _LIST_POST.search(found[1]) is not None
        for line in lines
    )
