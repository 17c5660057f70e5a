"""What the rule tables share: the Rule and Match records, how a line is cleaned before
matching, and the words of dates and times in each language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Kind = Literal["separator", "forward", "header_block", "attribution"]

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009\u200b\ufeff]+")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# Proton draws « ‐‐‐‐‐‐‐ Original Message ‐‐‐‐‐‐‐ » with U+2010; word processors turn
# typed dashes into en and em dashes: every dash reads as « - »
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
# Chinese and Japanese clients end a reply header with the full-width colon (« 写道： »)
_FORMS = {**_DASHES, ord("\uff1a"): ":"}

# ----------------------------------------------------------------------------- words

TIME = r"\d{1,2}[:h.]\d{2}(?::\d{2})?(?: ?[AaPp]\.?[Mm]\.?)?"
NUMERIC_DATE = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
ISO_DATE = r"\d{4}-\d{2}-\d{2}"

DAY_FR = r"(?:lun|mar|mer|jeu|ven|sam|dim)\.?"
FULL_DAY_FR = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
MONTH_FR = r"(?:janv|févr|fevr|mars|avr|mai|juin|juil|août|aout|sept|oct|nov|déc|dec)\w*\.?"
DAY_EN = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*\.?"
MONTH_EN = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\.?"
DAY_DE = r"(?:Mo|Di|Mi|Do|Fr|Sa|So)\w*\.?"
MONTH_DE = r"(?:Jan|Feb|Mär|Mar|Apr|Mai|Jun|Jul|Aug|Sep|Okt|Nov|Dez)\w*\.?"
DAY_ES = r"(?:lun|mar|mié|mie|jue|vie|sáb|sab|dom)\w*\.?"
MONTH_ES = r"(?:ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic)\w*\.?"
DAY_IT = r"(?:lun|mar|mer|gio|ven|sab|dom)\w*\.?"
MONTH_IT = r"(?:gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic)\w*\.?"
DAY_PT = r"(?:seg|ter|qua|qui|sex|sáb|sab|dom)[\w-]*\.?"
MONTH_PT = r"(?:jan|fev|mar|abr|mai|jun|jul|ago|set|out|nov|dez)\w*\.?"
DAY_NL = r"(?:ma|di|wo|do|vr|za|zo)\w*\.?"
MONTH_NL = r"(?:jan|feb|mrt|maa|apr|mei|jun|jul|aug|sep|okt|nov|dec)\w*\.?"
# Norwegian, Danish and Swedish share most of their abbreviations
DAY_NORDIC = r"(?:man|mån|tir|tis|ons|tor|fre|lør|lör|søn|sön)\w*\.?"
MONTH_NORDIC = r"(?:jan|feb|mar|apr|maj|mai|jun|jul|aug|sep|okt|nov|dec|des)\w*\.?"
DAY_RU = r"(?:пн|вт|ср|чт|пт|сб|вс|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье)"
DAY_PL = r"(?:pon|wt|śr|sr|czw|pt|sob|niedz?)\w*\.?"
MONTH_PL = r"(?:sty|lut|mar|kwi|maj|cze|lip|sie|wrz|paź|paz|lis|gru)\w*\.?"
DAY_CA = r"(?:dl|dt|dc|dj|dv|ds|dg|dilluns|dimarts|dimecres|dijous|divendres|dissabte|diumenge)\.?"
MONTH_CA = r"(?:gen|febr?|març|marc|abr|maig|juny|jul|ag|set|oct|nov|des)\w*\.?"
DAY_FI = r"(?:ma|ti|ke|to|pe|la|su)\w*\.?"
MONTH_FI = r"(?:tammi|helmi|maalis|huhti|touko|kesä|heinä|elo|syys|loka|marras|joulu)\w*\.?"
MONTH_RU = r"(?:янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)\w*\.?"


@dataclass(frozen=True)
class Rule:
    """A named pattern matched against one (possibly joined) clean line."""

    name: str
    kind: Kind
    pattern: re.Pattern[str]
    doc: str
    needs_quote_after: bool = False  # only an attribution when "> " lines follow


def rule(name: str, kind: Kind, regex: str, doc: str, *, needs_quote: bool = False) -> Rule:
    return Rule(name, kind, re.compile(regex, re.IGNORECASE), doc, needs_quote)


@dataclass(frozen=True)
class Match:
    """A rule that matched at `start`, spanning lines [start, end)."""

    rule: str
    kind: Kind
    start: int
    end: int


@lru_cache(maxsize=4096)  # each rule family cleans the same line again
def clean(line: str) -> str:
    """A line as the rules see it: no-break spaces as spaces, every dash as « - », the
    full-width colon as « : », Markdown emphasis and link syntax (from HTML converted by
    html2text) removed, whitespace collapsed."""
    line = _MARKDOWN_LINK.sub(r"\1", line).translate(_FORMS)
    line = line.replace("*", "")
    return _SPACES.sub(" ", line).strip()


def is_quoted(line: str) -> bool:
    return line.lstrip(" \u00a0").startswith(">")


def next_content(lines: list[str], i: int) -> int | None:
    """The index of the first non-blank line from `i` on, or None."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i if i < len(lines) else None
