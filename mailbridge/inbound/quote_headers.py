"""Where the quoted history of a reply starts: one table of rules, named per client family.

Three kinds of rule, tried in this order on each unquoted line of a plain-text body:

- separators: a line of their own that opens history ("-----Message d'origine-----",
  "---------- Forwarded message ---------", "Début du message réexpédié :");
- header blocks: Outlook-style "De : … Envoyé : … À : … Objet :" lines (Outlook never
  quotes the history it appends, so everything from there on is history);
- attributions: "Le 4 juil. 2007 à 10:12, Hélène <h@x.org> a écrit :", also wrapped over
  two or three lines, with a no-break space (U+00A0) or a narrow no-break space (U+202F)
  before the colon, as French typography and Apple Mail write it.

Each rule has a name (the client family whose wording it matches, for the benchmark and
the trail) and a one-line docstring. The specific rules come first so that the trail
names the client; the `any_*` rules catch the variants of the same language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["separator", "forward", "header_block", "attribution"]

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009\u200b\ufeff]+")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
MAX_WRAP = 3  # an attribution is looked for over this many joined lines

# ----------------------------------------------------------------------------- words

_TIME = r"\d{1,2}[:h.]\d{2}(?::\d{2})?(?: ?[AaPp]\.?[Mm]\.?)?"
_DAY_FR = r"(?:lun|mar|mer|jeu|ven|sam|dim)\.?"
_FULL_DAY_FR = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_MONTH_FR = r"(?:janv|févr|fevr|mars|avr|mai|juin|juil|août|aout|sept|oct|nov|déc|dec)\w*\.?"
_DAY_EN = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*\.?"
_MONTH_EN = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\.?"
_DAY_DE = r"(?:Mo|Di|Mi|Do|Fr|Sa|So)\w*\.?"
_MONTH_DE = r"(?:Jan|Feb|Mär|Mar|Apr|Mai|Jun|Jul|Aug|Sep|Okt|Nov|Dez)\w*\.?"
_DAY_ES = r"(?:lun|mar|mié|mie|jue|vie|sáb|sab|dom)\w*\.?"
_MONTH_ES = r"(?:ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic)\w*\.?"
_DAY_IT = r"(?:lun|mar|mer|gio|ven|sab|dom)\w*\.?"
_MONTH_IT = r"(?:gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic)\w*\.?"
_NUMERIC_DATE = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"


@dataclass(frozen=True)
class Rule:
    """A named pattern matched against one (possibly joined) clean line."""

    name: str
    kind: Kind
    pattern: re.Pattern[str]
    doc: str
    needs_quote_after: bool = False  # only an attribution when "> " lines follow


def _rule(name: str, kind: Kind, regex: str, doc: str, *, needs_quote: bool = False) -> Rule:
    return Rule(name, kind, re.compile(regex, re.IGNORECASE), doc, needs_quote)


# ----------------------------------------------------------------------------- separators

SEPARATORS: tuple[Rule, ...] = (
    _rule(
        "outlook_fr",
        "separator",
        r"-{2,} ?Message d'origine ?-{2,}",
        "Outlook (desktop) and Samsung/Huawei mail in French: « -----Message d'origine----- ».",
    ),
    _rule(
        "outlook_en",
        "separator",
        r"-{2,} ?Original Message ?-{2,}",
        "Outlook, Zimbra and Android mail in English: « -----Original Message----- ».",
    ),
    _rule(
        "outlook_de",
        "separator",
        r"-{2,} ?Ursprüngliche Nachricht ?-{2,}",
        "Outlook in German: « -----Ursprüngliche Nachricht----- ».",
    ),
    _rule(
        "outlook_es",
        "separator",
        r"-{2,} ?Mensaje original ?-{2,}",
        "Outlook in Spanish: « -----Mensaje original----- ».",
    ),
    _rule(
        "outlook_it",
        "separator",
        r"-{2,} ?Messaggio originale ?-{2,}",
        "Outlook in Italian: « -----Messaggio originale----- ».",
    ),
    _rule(
        "zimbra_fr",
        "separator",
        r"-{3,} ?(?:Mail|Message) (?:original|d'origine) ?-{3,}",
        "Zimbra (Free, universities), SOGo, La Poste in French: « ----- Mail original ----- ».",
    ),
    _rule(
        "forward_fr",
        "forward",
        r"(?:-{3,} ?Message transféré ?-{3,}|Début du message (?:réexpédié|transféré) ?:)",
        "Forward in French: Thunderbird/Gmail « Message transféré », Apple « Début du message"
        " réexpédié : ».",
    ),
    _rule(
        "forward_en",
        "forward",
        r"(?:-{3,} ?Forwarded message ?-{3,}|Begin forwarded message ?:)",
        "Forward in English: Gmail/Thunderbird « Forwarded message », Apple « Begin forwarded"
        " message: ».",
    ),
    _rule(
        "forward_de",
        "forward",
        r"(?:-{3,} ?Weitergeleitete Nachricht ?-{3,}|Anfang der weitergeleiteten"
        r" (?:E-Mail|Nachricht) ?:)",
        "Forward in German: « Weitergeleitete Nachricht », « Anfang der weitergeleiteten"
        " E-Mail: ».",
    ),
    _rule(
        "forward_es",
        "forward",
        r"(?:-{3,} ?Mensaje reenviado ?-{3,}|Inicio del mensaje reenviado ?:)",
        "Forward in Spanish: « Mensaje reenviado », « Inicio del mensaje reenviado: ».",
    ),
    _rule(
        "forward_it",
        "forward",
        r"(?:-{3,} ?Messaggio inoltrato ?-{3,}|Inizio messaggio inoltrato ?:)",
        "Forward in Italian: « Messaggio inoltrato », « Inizio messaggio inoltrato: ».",
    ),
)

# ----------------------------------------------------------------------------- attributions

ATTRIBUTIONS: tuple[Rule, ...] = (
    # French
    _rule(
        "gmail_fr",
        "attribution",
        rf"Le {_DAY_FR} \d{{1,2}} {_MONTH_FR} \d{{4}}(?: à|,) {_TIME},? .+ a écrit ?:",
        "Gmail (web, Android) in French: « Le mer. 4 juil. 2007 à 10:12, Hélène <h@x> a écrit : ».",
    ),
    _rule(
        "apple_mail_fr",
        "attribution",
        rf"Le \d{{1,2}} {_MONTH_FR} \d{{4}} à {_TIME},? .+ a écrit ?:",
        "Apple Mail (macOS, iPhone) in French: « Le 4 juil. 2007 à 10:12, Hélène a écrit : ».",
    ),
    _rule(
        "thunderbird_fr",
        "attribution",
        rf"Le {_NUMERIC_DATE}(?: à)? {_TIME},? .+ a écrit ?:",
        "Thunderbird, FairEmail, SFR in French: « Le 04/07/2007 à 10:12, Hélène a écrit : ».",
    ),
    _rule(
        "roundcube_fr",
        "attribution",
        rf"Le {_ISO_DATE} {_TIME},? .+ a écrit ?:",
        "Roundcube in French: « Le 2007-07-04 10:12, Hélène a écrit : ».",
    ),
    _rule(
        "yahoo_fr",
        "attribution",
        rf"Le {_FULL_DAY_FR},? \d{{1,2}} {_MONTH_FR} \d{{4}},? (?:à )?{_TIME}(?: UTC[+-]\d+)?,? .+"
        r" a écrit ?:",
        "Yahoo, Proton in French: « Le mercredi 4 juillet 2007 à 10:12:33 UTC+2, H. a écrit : ».",
    ),
    _rule(
        "k9_fr",
        "attribution",
        rf"Le \d{{1,2}} {_MONTH_FR} \d{{4}} {_TIME} (?:GMT|UTC)[+-]\d{{2}}:?\d{{2}},? .+"
        r" a écrit ?:",
        "K-9 Mail in French: « Le 4 juillet 2007 10:12:00 GMT+02:00, Hélène <h@x> a écrit : ».",
    ),
    _rule(
        "any_fr",
        "attribution",
        r"Le \D{0,30}\d.{0,200} a écrit ?:",
        "Any French « Le <date>, <nom> a écrit : ».",
    ),
    _rule(
        "short_fr",
        "attribution",
        r"[^:<>]{1,80}(?: ?<[^<>]+>)? a écrit ?:",
        "Short French « Hélène Martin a écrit : », only when quoted lines follow.",
        needs_quote=True,
    ),
    # English
    _rule(
        "gmail_en",
        "attribution",
        rf"On {_DAY_EN},? (?:{_MONTH_EN} \d{{1,2}},? \d{{4}}|\d{{1,2}} {_MONTH_EN},? \d{{4}}),?"
        rf" at {_TIME},? .+ wrote:",
        "Gmail in English: « On Wed, Jul 4, 2007 at 10:12 AM Helen <h@x> wrote: ».",
    ),
    _rule(
        "apple_mail_en",
        "attribution",
        rf"On (?:{_MONTH_EN} \d{{1,2}}, \d{{4}}|\d{{1,2}} {_MONTH_EN} \d{{4}}),? at {_TIME},? .+"
        r" wrote:",
        "Apple Mail in English: « On Jul 4, 2007, at 10:12, Helen <h@x> wrote: ».",
    ),
    _rule(
        "thunderbird_en",
        "attribution",
        rf"On (?:{_NUMERIC_DATE}|{_ISO_DATE}),? {_TIME},? .+ wrote:",
        "Thunderbird in English: « On 04/07/2007 10:12, Helen Martin wrote: ».",
    ),
    _rule(
        "yahoo_en",
        "attribution",
        rf"On {_DAY_EN},? {_MONTH_EN} \d{{1,2}},? \d{{4}},? (?:at )?{_TIME}.{{0,12}}, .+ wrote:",
        "Yahoo in English: « On Wednesday, July 4, 2007, 10:12:33 AM GMT+2, Helen <h@x> wrote: ».",
    ),
    _rule(
        "any_en",
        "attribution",
        r"On \D{0,30}\d.{0,200} wrote:",
        "Any English « On <date>, <name> wrote: ».",
    ),
    _rule(
        "short_en",
        "attribution",
        r"[^:<>]{1,80}(?: ?<[^<>]+>)? wrote:",
        "Short English « Helen Martin wrote: », only when quoted lines follow.",
        needs_quote=True,
    ),
    # German
    _rule(
        "gmail_de",
        "attribution",
        rf"Am {_DAY_DE},? \d{{1,2}}\.? {_MONTH_DE} \d{{4}} um {_TIME}(?: Uhr)? schrieb .+:",
        "Gmail in German: « Am Mi., 4. Juli 2007 um 10:12 Uhr schrieb Helene <h@x>: ».",
    ),
    _rule(
        "apple_mail_de",
        "attribution",
        rf"Am {_NUMERIC_DATE} um {_TIME}(?: Uhr)? schrieb .+:",
        "Apple Mail and Thunderbird in German: « Am 04.07.2007 um 10:12 schrieb Helene: ».",
    ),
    _rule(
        "any_de",
        "attribution",
        r"Am \D{0,30}\d.{0,200} schrieb .{1,200}:",
        "Any German « Am <Datum> schrieb <Name>: ».",
    ),
    _rule(
        "short_de",
        "attribution",
        r"[^:<>]{1,80}(?: ?<[^<>]+>)? (?:schrieb|hat geschrieben):",
        "Short German « Helene Martin schrieb: », only when quoted lines follow.",
        needs_quote=True,
    ),
    # Spanish
    _rule(
        "gmail_es",
        "attribution",
        rf"El {_DAY_ES},? \d{{1,2}} (?:de )?{_MONTH_ES} (?:de )?\d{{4}},? a las {_TIME},? .+"
        r" escribió:",
        "Gmail in Spanish: « El mié, 4 jul 2007 a las 10:12, Helena (<h@x>) escribió: ».",
    ),
    _rule(
        "apple_mail_es",
        "attribution",
        rf"El \d{{1,2}} (?:de )?{_MONTH_ES} (?:de )?\d{{4}},? a las? {_TIME},? .+ escribió:",
        "Apple Mail in Spanish: « El 4 jul 2007, a las 10:12, Helena <h@x> escribió: ».",
    ),
    _rule(
        "any_es",
        "attribution",
        r"El \D{0,30}\d.{0,200} escribió:",
        "Any Spanish « El <fecha>, <nombre> escribió: ».",
    ),
    _rule(
        "short_es",
        "attribution",
        r"[^:<>]{1,80}(?: ?<[^<>]+>)? escribió:",
        "Short Spanish « Helena Martín escribió: », only when quoted lines follow.",
        needs_quote=True,
    ),
    # Italian
    _rule(
        "gmail_it",
        "attribution",
        rf"Il giorno (?:{_DAY_IT},? )?\d{{1,2}} {_MONTH_IT} \d{{4}},? alle ore {_TIME},? .+"
        r" ha scritto:",
        "Gmail and Apple Mail in Italian: « Il giorno mer 4 lug 2007 alle ore 10:12 Elena ha"
        " scritto: ».",
    ),
    _rule(
        "thunderbird_it",
        "attribution",
        rf"Il {_NUMERIC_DATE},? {_TIME},? .+ ha scritto:",
        "Thunderbird in Italian: « Il 04/07/2007 10:12, Elena Martini ha scritto: ».",
    ),
    _rule(
        "any_it",
        "attribution",
        r"Il \D{0,30}\d.{0,200} ha scritto:",
        "Any Italian « Il <data>, <nome> ha scritto: ».",
    ),
    _rule(
        "short_it",
        "attribution",
        r"[^:<>]{1,80}(?: ?<[^<>]+>)? ha scritto:",
        "Short Italian « Elena Martini ha scritto: », only when quoted lines follow.",
        needs_quote=True,
    ),
    # Any language
    _rule(
        "generic_attribution",
        "attribution",
        r".{0,120}(?:[\w.+-]+@[\w-]+\.[\w.-]+|\d{1,2}[:h]\d{2}|\d{4}-\d{2}-\d{2}).{0,120}:",
        "Mutt « * Hélène <h@x> [2007-06-29 17:20 +0200]: », FairEmail and others: a line"
        " ending in « : » with an address or a time, only when quoted lines follow.",
        needs_quote=True,
    ),
)

# ----------------------------------------------------------------------------- header blocks

# Header labels of the "De : … Envoyé : … À : … Objet :" blocks that Outlook, Zimbra, Samsung
# mail and forwards write, by role. One pool for every language: Gmail's French forward
# mixes « De : » with « Subject: ».
_FROM_LABELS = r"De|From|Von|Da|Expéditeur|Absender"
_LABELS = {
    "date": r"Envoyé|Envoyé le|Date|Sent|Gesendet|Datum|Enviado|Enviado el|Fecha|Inviato|Data",
    "to": r"À|A|Pour|To|An|Para|Destinataire",
    "cc": r"Cc|Cci|Copie à|Bcc|Kopie|CC|CCO",
    "subject": r"Objet|Sujet|Subject|Betreff|Asunto|Oggetto",
    "from": _FROM_LABELS,
}
_HEADER_LINE = re.compile(
    r"^(?P<label>" + "|".join(_LABELS.values()) + r") ?: ?(?P<value>.*)$", re.IGNORECASE
)
_FROM_LINE = re.compile(rf"^(?:{_FROM_LABELS}) ?: ?\S", re.IGNORECASE)
# Outlook's "____" line, dashes, html2text's rendering of an <hr> ("* * *"), and a titled
# rule of a client we do not know ("----- Courriel d'origine -----")
_RULE_LINE = re.compile(
    r"^(?:_{8,}|-{8,}|={8,}|(?:\* ?){3,}|[-=_]{3,} ?[^-=_].{0,40}? ?[-=_]{3,})$"
)
_ORANGE_INTRO = re.compile(rf"^Message du {_NUMERIC_DATE} {_TIME}$", re.IGNORECASE)

_HEADER_BLOCK_FAMILIES = (
    # (name, labels that must all appear, what it matches)
    ("outlook_fr", {"de", "envoyé", "à", "objet"}, "Outlook in French: De, Envoyé, À, Objet."),
    ("outlook_mac_fr", {"de", "date", "objet"}, "Outlook for Mac, Samsung: De, Date, Objet."),
    ("zimbra_fr", {"de", "envoyé", "objet"}, "Zimbra, Orange webmail: De, À, Envoyé, Objet."),
    ("outlook_en", {"from", "sent", "subject"}, "Outlook in English: From, Sent, To, Subject."),
    ("forward_en", {"from", "date", "subject"}, "Gmail, Thunderbird: From, Date, Subject."),
    ("outlook_de", {"von", "gesendet", "betreff"}, "Outlook in German: Von, Gesendet, Betreff."),
    ("outlook_es", {"de", "enviado", "asunto"}, "Outlook in Spanish: De, Enviado, Asunto."),
    ("outlook_it", {"da", "inviato", "oggetto"}, "Outlook in Italian: Da, Inviato, Oggetto."),
)
HEADER_BLOCK_DOCS = {name: doc for name, _labels, doc in _HEADER_BLOCK_FAMILIES}


def clean(line: str) -> str:
    """A line as the rules see it: no-break spaces as spaces, Markdown emphasis and link
    syntax (from HTML converted by html2text) removed, whitespace collapsed."""
    line = _MARKDOWN_LINK.sub(r"\1", line)
    line = line.replace("*", "")
    return _SPACES.sub(" ", line).strip()


def is_quoted(line: str) -> bool:
    return line.lstrip(" \u00a0").startswith(">")


def _header_role(line: str) -> tuple[str, str] | None:
    match = _HEADER_LINE.match(clean(line))
    if not match:
        return None
    label = match.group("label").lower()
    for role, labels in _LABELS.items():
        if re.fullmatch(labels, label, re.IGNORECASE):
            return role, label
    return None  # pragma: no cover - the pool is the union of the roles


@dataclass(frozen=True)
class Match:
    """A rule that matched at `start`, spanning lines [start, end)."""

    rule: str
    kind: Kind
    start: int
    end: int


def header_block_end(lines: list[str], start: int) -> int:
    """End of the run of "Label : value" lines starting at `start` (a wrapped value, one
    line with no label of its own, is allowed once per header)."""
    i, last_was_header = start, False
    while i < len(lines):
        line = lines[i]
        if _header_role(line):
            last_was_header = True
        elif line.strip() and last_was_header and not is_quoted(line) and i > start:
            last_was_header = False  # a wrapped « À : » list of recipients
        else:
            break
        i += 1
    return i


def match_header_block(lines: list[str], i: int) -> Match | None:
    """An Outlook-style block: a From line, then at least two of date/to/cc/subject,
    one of them a date or a subject, within the next lines."""
    if not _FROM_LINE.match(clean(lines[i])):
        return None
    end = header_block_end(lines, i)
    roles, labels = set(), set()
    for line in lines[i:end]:
        found = _header_role(line)
        if found:
            roles.add(found[0])
            labels.add(found[1])
    if len(roles - {"from"}) < 2 or not roles & {"date", "subject"}:
        return None
    name = "header_block"
    for family, family_labels, _doc in _HEADER_BLOCK_FAMILIES:
        if family_labels <= labels:
            name = family
            break
    start = i
    # an Outlook "____" rule, a dashed rule or Orange's « Message du … » just above
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j >= 0 and j >= i - 2:
        if _RULE_LINE.match(lines[j].strip()) or _ORANGE_INTRO.match(clean(lines[j])):
            start = j
    return Match(name, "header_block", start, end)


def match_separator(lines: list[str], i: int) -> Match | None:
    line = clean(lines[i])
    for rule in SEPARATORS:
        if rule.pattern.fullmatch(line):
            return Match(rule.name, rule.kind, i, i + 1)
    return None


def _next_content(lines: list[str], i: int) -> int | None:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i if i < len(lines) else None


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
        for rule in ATTRIBUTIONS:
            if k and rule.needs_quote_after:
                continue  # the short forms are never wrapped; joining would over-match
            if rule.pattern.fullmatch(joined):
                if rule.needs_quote_after:
                    nxt = _next_content(lines, i + k + 1)
                    if nxt is None or not is_quoted(lines[nxt]):
                        continue
                return Match(rule.name, "attribution", i, i + k + 1)
    return None


def match_quoted_attribution(line: str) -> str | None:
    """The rule name when a quoted line ("> Le … a écrit :", as the iPhone writes it
    inside the quote) is a reply header."""
    content = clean(line.lstrip(" >"))
    for rule in ATTRIBUTIONS:
        if not rule.needs_quote_after and rule.pattern.fullmatch(content):
            return rule.name
    return None


def rule_docs() -> dict[str, str]:
    """Every rule name with its one-line description (for the docs and the bench)."""
    docs = {rule.name: rule.doc for rule in SEPARATORS + ATTRIBUTIONS}
    docs.update(HEADER_BLOCK_DOCS)
    return docs
