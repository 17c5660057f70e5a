"""Answers written inside a history that is not quoted, each marked with the writer's
initials in brackets: Outlook appends the history unquoted, and people answering point by
point type « [HC] » before each answer (their colour does not survive in the text part).

The history is then an inline reply: each paragraph answered becomes a "> " quote, each
answer stays as written, and so does the writer's name right under the last answer (a
name starting with the initials' first letter); the header block and what follows go.
A single tagged paragraph counts only with that name under it: a post may hold a
bracketed word of its own.
"""

from __future__ import annotations

import re
from collections import Counter

from mailbridge.inbound import contact_blocks

_TAG = re.compile(r"\[(?P<initials>[A-ZÀ-Þ]{2,4})\] ?\S")


def may_hold(history: list[str]) -> bool:
    """A cheap look at the history's lines: one of them starts with « [ »."""
    return any(line.lstrip()[:1] == "[" for line in history)


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _tag(paragraph: list[str]) -> str | None:
    match = _TAG.match(paragraph[0].lstrip())
    return match.group("initials") if match else None


def answered_history(body: list[str]) -> list[str] | None:
    """The history's body (under its header block) as an inline reply, or None when no
    paragraph of it is an answer tagged with initials, or no paragraph above one is."""
    paragraphs = _paragraphs(body)
    tags = Counter(tag for paragraph in paragraphs if (tag := _tag(paragraph)))
    if not tags:
        return None
    initials = tags.most_common(1)[0][0]
    answers = [k for k, paragraph in enumerate(paragraphs) if _tag(paragraph) == initials]
    if answers[0] == 0:
        return None  # nothing above the first answer: no question it answers
    last = answers[-1]
    signed = last + 1 < len(paragraphs) and _signed_by(paragraphs[last + 1], initials)
    if len(answers) < 2 and not signed:
        # One bracketed word (« [INFO] », « [AG] ») may be the post's own: answers are
        # told by being several, or by the name of their writer under the last one.
        return None
    out: list[str] = []
    for k, paragraph in enumerate(paragraphs[: last + 1]):
        if k in answers:
            out += [*paragraph, ""]
        else:
            out += [f"> {line}" for line in paragraph] + [""]
    if signed:
        out += paragraphs[last + 1]
    return out


def _signed_by(closing: list[str], initials: str) -> bool:
    """The paragraph closes with a name starting with the initials' first letter."""
    return contact_blocks.is_closing(closing) and closing[-1].strip()[:1] == initials[:1]
