"""Reading a numbered reply to a questionnaire mail: "1. b", "2 : 4", "3) oui".

The questionnaire mail numbers its questions and letters each question's options
(mailing.py); a person answers by writing, one per line, the question's number, a
separator or a space, then the answer: an option's letter, its number or its words
in French or English (several for a multiple choice, separated by commas, "et" or
"and"), a number from 1 to 5, oui / non / yes / no, or free text, which may go on
over the following lines. Lines before the first number (a greeting) are ignored.
The quoted mail and the signature are gone already (the inbound `extract` step).

What comes out is what a web form posts ({question id: value}, checked afterwards
by forum.services.answers as any answer is) and, for each line that cannot be read,
a problem: an unknown option, a number that is no question, an unreadable answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from forum.models import Question, QuestionKind
from forum.questionnaire_answers import NO, YES

LETTERS = "abcdefghijklmnopqrst"  # at most 20 options a question (services.questionnaires)
# "12. text", "3) oui", "2 : 4", "1- b", "4 non": the number alone at the start of a line.
NUMBERED = re.compile(r"^\s*(?:q(?:uestion)?\s*)?(\d{1,2})\s*(?:[.):\-–]\s*|\s+|$)(.*)$", re.I)
SEPARATORS = re.compile(r"\s*(?:[,;/+&]|\bet\b|\band\b)\s*", re.I)


@dataclass(frozen=True)
class Problem:
    number: int | None  # the question's number in the mail; None: about the whole reply
    code: str  # unknown_choice, no_such_question, unreadable, nothing_found (+ the forum's)
    value: str = ""


@dataclass
class ReadReply:
    values: dict[int, Any] = field(default_factory=dict)  # {question id: form value}
    problems: list[Problem] = field(default_factory=list)


def _plain(text: str) -> str:
    """Lowercase, accents and surrounding punctuation removed: "Très souvent." → "tres souvent"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.strip(" \t.,;:!?()[]«»\"'*_").split())


def numbered_lines(body: str) -> list[tuple[int, str]]:
    """(number, text) of each answer, in order; a line that does not start with a
    number continues the answer before it."""
    answers: list[tuple[int, list[str]]] = []
    for line in (body or "").splitlines():
        match = NUMBERED.match(line)
        if match:
            answers.append((int(match.group(1)), [match.group(2).strip()]))
        elif answers:
            answers[-1][1].append(line.rstrip())
    return [(number, "\n".join(lines).strip()) for number, lines in answers]


def _choice(question: Question, text: str):
    """The choice `text` names (its words, its letter, its number, the start of one
    of its words), or None."""
    choices = list(question.choices.all())
    plain = _plain(text)
    if not plain:
        return None
    labels = [(choice, _plain(choice.label_fr), _plain(choice.label_en)) for choice in choices]
    for choice, french, english in labels:
        if plain in (french, english):
            return choice
    letter = re.match(r"^([a-t])(?:[).]|\s|$)", plain)
    if letter:  # "b", "b)", "b) Souvent"
        index = LETTERS.index(letter.group(1))
        return choices[index] if index < len(choices) else None
    if plain.isdigit():
        index = int(plain) - 1
        return choices[index] if 0 <= index < len(choices) else None
    word_start = re.compile(r"\b" + re.escape(plain))
    starting = [
        choice
        for choice, french, english in labels
        if word_start.search(french) or (english and word_start.search(english))
    ]
    return starting[0] if len(starting) == 1 else None


def _read_one(question: Question, text: str) -> tuple[Any, str]:
    """(form value, "") or (None, problem code) for one question's answer."""
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        return text, ""
    if kind == QuestionKind.MULTIPLE:
        parts = [part for part in SEPARATORS.split(text) if part.strip()]
        if len(parts) == 1 and all(len(word) == 1 for word in parts[0].split()):
            parts = parts[0].split()  # "a c"
        chosen = []
        for part in parts:
            choice = _choice(question, part)
            if choice is None:
                return None, "unknown_choice"
            chosen.append(str(choice.pk))
        return chosen, ""
    if kind == QuestionKind.SINGLE:
        choice = _choice(question, text)
        return (str(choice.pk), "") if choice is not None else (None, "unknown_choice")
    words = _plain(text).split()
    first = words[0] if words else ""
    if kind == QuestionKind.SCALE:
        return (first, "") if first in {"1", "2", "3", "4", "5"} else (None, "not_a_number")
    if first in YES or first in NO:
        return ("yes" if first in YES else "no"), ""
    return None, "not_yes_no"


def read_reply(body: str, questions: list[Question]) -> ReadReply:
    """The answers a reply gives to `questions` (in their order, numbered from 1)."""
    read = ReadReply()
    lines = numbered_lines(body)
    if not lines:
        read.problems.append(Problem(None, "nothing_found"))
        return read
    for number, text in lines:
        if not 1 <= number <= len(questions):
            read.problems.append(Problem(number, "no_such_question", text[:80]))
            continue
        question = questions[number - 1]
        if not text:
            read.values.pop(question.pk, None)
            continue
        value, code = _read_one(question, text)
        if code:
            read.problems.append(Problem(number, code, text[:80]))
        else:
            read.values[question.pk] = value
    return read
