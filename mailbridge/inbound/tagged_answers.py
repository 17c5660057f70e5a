"""Answers marked with the writer's initials in brackets, point by point: people type
« [HC] » before each answer (their colour does not survive in the text part), inside a
history that Outlook appends unquoted, or under "> " quotes.

Only the paragraph each answer answers, the one right above it, is kept as a "> " quote;
the others (the greeting, the context, what is left unanswered) go. Each answer stays as
written, and so does the writer's name right under the last answer (a name starting with
the initials' first letter). In an unquoted history the header block and what follows
the last answer go too. A single tagged paragraph counts only with that name under it: a
post may hold a bracketed word of its own.
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


def _answers(paragraphs: list[list[str]], may_answer: list[bool]) -> tuple[list[int], bool]:
    """The paragraphs that are answers (tagged with the most used initials, where
    `may_answer`) and whether the writer's name is right under the last one; no answers
    when a single one is not so signed."""
    tags = Counter(
        tag
        for paragraph, may in zip(paragraphs, may_answer, strict=True)
        if may and (tag := _tag(paragraph))
    )
    if not tags:
        return [], False
    initials = tags.most_common(1)[0][0]
    answers = [
        k for k, paragraph in enumerate(paragraphs) if may_answer[k] and _tag(paragraph) == initials
    ]
    last = answers[-1]
    signed = last + 1 < len(paragraphs) and _signed_by(paragraphs[last + 1], initials)
    if len(answers) < 2 and not signed:
        # One bracketed word (« [INFO] », « [AG] ») may be the post's own: answers are
        # told by being several, or by the name of their writer under the last one.
        return [], False
    return answers, signed


def answered_history(body: list[str]) -> list[str] | None:
    """The history's body (under its header block) as an inline reply, or None when no
    paragraph of it is an answer tagged with initials, or no paragraph above one is."""
    paragraphs = _paragraphs(body)
    answers, signed = _answers(paragraphs, [True] * len(paragraphs))
    if not answers or answers[0] == 0:
        return None  # nothing above the first answer: no question it answers
    last = answers[-1]
    out: list[str] = []
    for k, paragraph in enumerate(paragraphs[: last + 1]):
        if k in answers:
            out += [*paragraph, ""]
        elif k + 1 in answers:
            out += [f"> {line}" for line in paragraph] + [""]
    if signed:
        out += paragraphs[last + 1]
    return out


def _quoted(line: str) -> bool:
    return line.startswith(">")


def _markdown_paragraphs(lines: list[str]) -> list[list[str]]:
    """Paragraphs of an inline reply written in Markdown: split at blank lines, at lines
    that are only « > », and where quoted lines meet the person's."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if not line.strip() or not line.replace(">", "").strip():
            if current:
                paragraphs.append(current)
            current = []
            continue
        if current and _quoted(current[-1]) != _quoted(line):
            paragraphs.append(current)
            current = []
        current.append(line)
    if current:
        paragraphs.append(current)
    return paragraphs


def keep_answered_quotes(lines: list[str]) -> list[str]:
    """An inline reply (the quotes written "> ") whose answers are tagged with initials,
    with only the quoted paragraph right above each answer; `lines` as they were when its
    answers are not tagged."""
    if not may_hold(lines):
        return lines
    paragraphs = _markdown_paragraphs(lines)
    quoted = [_quoted(paragraph[0]) for paragraph in paragraphs]
    answers, _ = _answers(paragraphs, [not q for q in quoted])
    if not answers:
        return lines
    out: list[str] = []
    for k, paragraph in enumerate(paragraphs):
        if quoted[k] and k + 1 not in answers:
            continue
        out += [*paragraph, ""]
    return out[:-1]


def _signed_by(closing: list[str], initials: str) -> bool:
    """The paragraph closes with a name starting with the initials' first letter."""
    return contact_blocks.is_closing(closing) and closing[-1].strip()[:1] == initials[:1]
