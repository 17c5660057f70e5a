"""Header blocks: the "De : … Envoyé : … À : … Objet :" lines that Outlook, Zimbra, GMX,
Samsung mail and forwards write above the history they append unquoted, and Lotus Notes'
block with each label alone above its value."""

from __future__ import annotations

import re

from mailbridge.inbound.quote_headers.base import (
    NUMERIC_DATE,
    TIME,
    Match,
    clean,
    is_quoted,
    next_content,
)
from mailbridge.inbound.quote_headers.header_shapes import (
    MAX_LABEL_CHARS,
    labelled,
    names_the_list,
    shaped_block_end,
)

# Header labels by role, one pool for every language: Gmail's French forward mixes
# « De : » with « Subject: ».
_FROM_LABELS = r"De|From|Von|Da|Expéditeur|Absender|Van|Fra|Från|От"
_LABELS = {
    "date": r"Envoyé|Envoyé le|Date|Sent|Gesendet|Datum|Enviado|Enviado el|Fecha|Inviato|Data"
    r"|Verzonden|Sendt|Skickat|Dato|Отправлено|Дата",
    "to": r"À|A|Pour|To|An|Para|Destinataire|Aan|Til|Till|Кому",
    "cc": r"Cc|Cci|Copie à|Bcc|Kopie|CC|CCO|Копия",
    "subject": r"Objet|Sujet|Subject|Betreff|Asunto|Oggetto|Onderwerp|Emne|Ämne|Assunto|Тема",
    "from": _FROM_LABELS,
}
_HEADER_LINE = re.compile(
    r"^(?P<label>" + "|".join(_LABELS.values()) + r") ?: ?(?P<value>.*)$", re.IGNORECASE
)
# Outlook's "____" line, dashes, html2text's rendering of an <hr> ("* * *"), and a titled
# rule of a client we do not know ("----- Courriel d'origine -----")
RULE_LINE = re.compile(r"^(?:_{8,}|-{8,}|={8,}|(?:\* ?){3,}|[-=_]{3,} ?[^-=_].{0,40}? ?[-=_]{3,})$")
# a rule too short to be one anywhere else, just above a header block
_SHORT_RULE = re.compile(r"[-=_*~]{3,}")
_ORANGE_INTRO = re.compile(rf"^Message du {NUMERIC_DATE} {TIME}$", re.IGNORECASE)

_HEADER_BLOCK_FAMILIES = (
    # (name, labels that must all appear, what it matches)
    ("outlook_fr", {"de", "envoyé", "à", "objet"}, "Outlook in French: De, Envoyé, À, Objet."),
    ("outlook_mac_fr", {"de", "date", "objet"}, "Outlook for Mac, Samsung: De, Date, Objet."),
    ("zimbra_fr", {"de", "envoyé", "objet"}, "Zimbra, Orange webmail: De, À, Envoyé, Objet."),
    ("outlook_en", {"from", "sent", "subject"}, "Outlook in English: From, Sent, To, Subject."),
    ("forward_en", {"from", "date", "subject"}, "Gmail, Thunderbird: From, Date, Subject."),
    (
        "outlook_de",
        {"von", "gesendet", "betreff"},
        "Outlook and GMX in German: Von, Gesendet, Betreff.",
    ),
    ("outlook_es", {"de", "enviado", "asunto"}, "Outlook in Spanish: De, Enviado, Asunto."),
    ("outlook_it", {"da", "inviato", "oggetto"}, "Outlook in Italian: Da, Inviato, Oggetto."),
    ("outlook_pt", {"de", "enviado", "assunto"}, "Outlook in Portuguese: De, Enviado, Assunto."),
    ("outlook_nl", {"van", "verzonden", "onderwerp"}, "Outlook in Dutch: Van, Verzonden."),
    ("outlook_no", {"fra", "sendt", "emne"}, "Outlook in Norwegian, Danish: Fra, Sendt, Emne."),
    ("outlook_sv", {"från", "skickat", "ämne"}, "Outlook in Swedish: Från, Skickat, Ämne."),
    ("outlook_ru", {"от", "отправлено", "тема"}, "Outlook in Russian: От, Отправлено, Тема."),
)
HEADER_BLOCK_DOCS = {name: doc for name, _labels, doc in _HEADER_BLOCK_FAMILIES}
HEADER_BLOCK_DOCS["any_header_block"] = (
    "Any language: 3 to 8 « Label: value » lines, a date among the values, naming the list"
    " or under a rule line (« Kimden: / Gönderildi: / Kime: / Konu: »)."
)
HEADER_BLOCK_DOCS["lotus_notes"] = (
    "Lotus Notes: « Name <addr> », the date, then each label on a line of its own above its"
    " value (« Veuillez répondre à », « A », « cc », « Objet »; « Thema » and other"
    " languages' labels by their shape)."
)

# Lotus Notes writes the sender and the date, then each label alone above its value
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_STACKED_DATE = re.compile(rf"{NUMERIC_DATE},? {TIME}", re.IGNORECASE)
_STACKED_LABEL = re.compile(
    r"(?:" + "|".join(_LABELS[role] for role in ("to", "cc", "subject")) + r"|Veuillez répondre à"
    r"|Please respond to|Bitte antworten an|Responder a|Rispondere a) ?:?",
    re.IGNORECASE,
)
_LONE_LABEL = re.compile(r"[^\W\d_]+(?: [^\W\d_]+){0,2} ?:?")
_STACKED_REACH = 12  # lines below the date where the labels are looked for
_COLON_REACH = MAX_LABEL_CHARS + 5


def _header_role(line: str) -> tuple[str, str] | None:
    match = _HEADER_LINE.match(clean(line))
    if not match:
        return None
    label = match.group("label").lower()
    for role, labels in _LABELS.items():
        if re.fullmatch(labels, label, re.IGNORECASE):
            return role, label
    return None  # pragma: no cover - the pool is the union of the roles


def header_block_end(lines: list[str], start: int) -> int:
    """End of the run of "Label : value" lines starting at `start` (a wrapped value, one
    line with no label of its own, is allowed once per header), labels the rules know or
    a block of their shape."""
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
    if i == start:  # no label the rules know: a block of their shape, or none
        shaped = shaped_block_end(lines, start)
        return start if shaped is None else shaped
    return i


def header_fields(lines: list[str]) -> dict[str, str]:
    """Role -> value of the header block opening `lines` (under a separator or rule
    line when there is one): {"from": …, "subject": …}; empty without a block."""
    i = next_content(lines, 0)
    if i is not None and _header_role(lines[i]) is None:
        i = next_content(lines, i + 1)
    if i is None or _header_role(lines[i]) is None:
        return {}
    fields: dict[str, str] = {}
    for line in lines[i : header_block_end(lines, i)]:
        found = _header_role(line)
        if found:
            fields.setdefault(found[0], clean(line).split(":", 1)[1].strip())
    return fields


def match_stacked_header_block(lines: list[str], i: int) -> Match | None:
    """Lotus Notes' block: a sender line with an address, the date on the next line,
    then labels alone on their lines above their values: a subject and one more label
    the rules know, or three labels, one of them known (German Notes writes « Thema »
    for the subject, and the words of other languages are read by their shape: a word
    or three alone on a line, above a value)."""
    line = lines[i]
    if "@" not in line or len(line) > 160 or not _ADDRESS.search(line):
        return None
    if i + 1 >= len(lines) or not _STACKED_DATE.fullmatch(clean(lines[i + 1])):
        return None
    known = unknown = 0
    last = subject = None
    for j in range(i + 2, min(len(lines), i + 2 + _STACKED_REACH)):
        if is_quoted(lines[j]):
            return None
        text = clean(lines[j])
        if _STACKED_LABEL.fullmatch(text):
            known += 1
            last = j
            if re.fullmatch(_LABELS["subject"], text.rstrip(" :"), re.IGNORECASE):
                subject = j
                break
        elif _LONE_LABEL.fullmatch(text) and j + 1 < len(lines) and lines[j + 1].strip():
            unknown += 1
            last = j
    enough = (known >= 2 and subject is not None) or (known >= 1 and known + unknown >= 3)
    if last is None or not enough:
        return None
    end = last + 1
    while end < len(lines) and not lines[end].strip():
        end += 1
    return Match("lotus_notes", "header_block", i, min(end + 1, len(lines)))


def match_header_block(lines: list[str], i: int) -> Match | None:
    """A block of header lines, one of them a From line (first for most clients, second
    under GMX's « Gesendet: »), with at least two of date/to/cc/subject, one of them a
    date or a subject; or, in a language whose labels no rule knows, a block of that
    shape (header_shapes.py) that names the list or stands under a long or titled rule."""
    found = _header_role(lines[i])
    if found is None:
        stacked = match_stacked_header_block(lines, i)
        if stacked is not None:
            return stacked
    elif not clean(lines[i]).split(":", 1)[1].strip():
        return None
    known = _known_block(lines, i) if found is not None else None
    if known is not None:
        name, end = known
    else:
        end = None
        head = lines[i][:_COLON_REACH]  # the cheap look first: a colon near the start
        if ":" in head or "：" in head:
            end = shaped_block_end(lines, i)
        if end is None:
            return None
        name = "any_header_block"
    above = _rule_above(lines, i)
    if known is None and not names_the_list(lines[i:end]):
        # a short rule (« --- », « *** ») may be a person's own break above their lines
        rule = lines[above].strip() if above is not None else ""
        if not RULE_LINE.match(rule) or "*" in rule:
            return None
    return Match(name, "header_block", i if above is None else above, end)


def _known_block(lines: list[str], i: int) -> tuple[str, int] | None:
    """(rule name, end) of a block of labels the rules know, from line `i`."""
    end = header_block_end(lines, i)
    roles, labels = set(), set()
    for line in lines[i:end]:
        found = _header_role(line)
        if found:
            roles.add(found[0])
            labels.add(found[1])
    if "from" not in roles or len(roles - {"from"}) < 2 or not roles & {"date", "subject"}:
        return None
    for family, family_labels, _doc in _HEADER_BLOCK_FAMILIES:
        if family_labels <= labels:
            return family, end
    return "header_block", end


def _rule_above(lines: list[str], i: int) -> int | None:
    """The line of an Outlook "____" rule, a dashed rule (Entourage draws a short one),
    a titled rule or Orange's « Message du … » just above line `i`, or None."""
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0 or j < i - 2:
        return None
    text = lines[j].strip()
    if RULE_LINE.match(text) or _SHORT_RULE.fullmatch(text) or _ORANGE_INTRO.match(clean(text)):
        return j
    return None


def shaped_block_names_the_list(lines: list[str]) -> bool:
    """Whether the block of unknown labels opening `lines` (under a rule line when there
    is one) names the list: a message the list did not send names it nowhere."""
    i = next_content(lines, 0)
    if i is not None and labelled(lines[i]) is None:
        i = next_content(lines, i + 1)
    if i is None:
        return False
    return names_the_list(lines[i : header_block_end(lines, i)])
