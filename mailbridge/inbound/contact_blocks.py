"""The person's signature written without a separator, and the sign-offs to keep.

A contact block (title, organisation, address, phone, web site) under a name is the
person's signature as Outlook users and many others write it, with no "-- " line: the
forum already shows who wrote the post, so the block goes, the sign-off and the name stay.
It is found under a sign-off and a name, or under a name standing alone below a blank
line; either way it must be the last lines, short, and hold at least one phone number,
address or URL, or a logo (the inline image the text part names « [logo.png] »): a name
followed by a title and nothing to reach the person is a sign-off, not a contact block.
A contact written on one line, its parts between « | », is read part by part.
"""

from __future__ import annotations

import re

from mailbridge.inbound.quote_headers import clean

SIGN_OFF = re.compile(
    r"(?:"
    # French
    r"(?:Bien |Très )?cordialement|Bien à (?:vous|toi|tous|toutes)"
    r"|Amitiés?(?: coopératives)?|(?:Bien )?(?:amicalement|fraternellement|solidairement"
    r"|coopérativement|chaleureusement|sincèrement|respectueusement)"
    r"|Bonne (?:journée|soirée|fin de journée|semaine|lecture|écoute|continuation)"
    r"|Belle journée|[AÀ] (?:bientôt|demain|plus|très vite|tout à l'heure|lundi|mardi|mercredi"
    r"|jeudi|vendredi|samedi|dimanche)|Au plaisir|Bises|Salutations"
    r"(?: coopératives| distinguées)?|Sincères salutations|Merci(?: d'avance| beaucoup| à vous)?"
    # English
    r"|(?:Best|Kind|Warm) regards|Regards|Best wishes|All the best|Best|Cheers|Thanks"
    r"|Thank you|Yours|Sincerely"
    # German
    r"|(?:Mit )?(?:freundlichen|besten|herzlichen|lieben) Grüßen|(?:Viele|Liebe|Beste|Herzliche)"
    r" Grüße|Gruß|Grüße"
    # Spanish
    r"|(?:Un )?saludos?(?: cordiales)?|Atentamente|Un abrazo|Abrazos"
    # Italian
    r"|(?:Cordiali |Distinti )?saluti|Un saluto|A presto|Grazie"
    # Portuguese
    r"|(?:Com os melhores )?cumprimentos|Atenciosamente|Abraços?|Um abraço|Obrigad[oa]"
    r"|Beijinhos"
    # Dutch
    r"|(?:Met )?(?:vriendelijke|hartelijke) groet(?:en)?|Groet(?:en|jes)?"
    # Norwegian, Danish, Swedish
    r"|(?:Med )?(?:vennlig|venlig|vänliga?|bästa) (?:hilsen|hälsning(?:ar)?)|(?:Hilsen|Hälsningar)"
    r"|Mvh|Tack"
    # Russian
    r"|С уважением|С наилучшими пожеланиями|Всего (?:доброго|хорошего)|Спасибо"
    # Polish, Catalan
    r"|Pozdrawiam(?: serdecznie)?|Z poważaniem|Pozdrowienia|Salutacions|Una abraçada"
    # « Cordialement vôtre », « Coopérativement vôtre »
    r")(?: vôtres?)?\b[ ,.!]*(?P<rest>.*)",
    re.IGNORECASE,
)
# a phone number: « 04 72 00 00 00 », « +31 30 123 45 67 », « 08-123 456 78 », « (0)4 … »,
# 8 to 15 digits; checked by _has_phone
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+\d|\(0?\d|0)[\d\s().-]{6,22}\d")
# a number after a phone's label, which may start with any digit: « Tel.: 21 000 00 00 »,
# « Móvil: 600 000 000 », « M: 7700 900000 »
_LABELLED_PHONE = re.compile(
    r"(?:\b(?:t[ée]l[ée]?(?:phone|efon|efono|éfono)?|phone|mob(?:ile?|il)?|móvil|cell|fax"
    r"|gsm|tlf|puh|тел)\.?|\b[TMF])\s*[.:]?\s*(?P<number>\+?\d[\d\s().-]{6,22}\d)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(
    r"https?://|www\.|\b[\w-]+\.(?:com|org|net|fr|coop|eu|de|nl|no|se|pt|ru)/\S", re.IGNORECASE
)
# a postal address's postcode and town: « 33300 Bordeaux », « 1204 Genève », « 3511 AB
# Utrecht », « 1900-064 Lisboa », « 00-950 Warszawa », « 110 00 Praha », the British
# « M60 0AS »
_POSTCODE = re.compile(
    r"(?:(?<![\d.,])\d{5}|(?:^|[,–-] ?)\d{4}(?: [A-Z]{2})?|(?<![\d.,-])\d{4}-\d{3}"
    r"|(?<![\d.,-])\d{2}-\d{3}|(?<![\d.,])\d{3} \d{2}) [A-ZÀ-ÖØ-Þ][\w'’-]+"
    r"|\b[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}\b"
)
# a street: « 3 place de la République », « 12 bis, rue … », « Lindenstraße 4 »,
# « 10 Downing Street »
_STREET = re.compile(
    r"\b\d{1,4}(?: ?(?:bis|ter))?,? (?:rue|place|avenue|av\.|boulevard|bd|chemin|allée|impasse"
    r"|quai|cours|route|square|passage|voie|calle|avenida|plaza|via|piazza)\b[^,\d]{0,50}"
    r"|\b[\w'’ -]{0,40}(?:straße|strasse|str\.|weg|gasse|platz|straat|laan|plein|gatan|vägen"
    r"|veien) \d{1,4}\w?"
    r"|\b\d{1,4} [\w'’ -]{1,40} (?:Street|St\.|Road|Rd\.|Lane|Avenue|Ave\.|Square)\b",
    re.IGNORECASE,
)
# an inline image (a logo) as the text part writes it: « [logo.png] », « <image001.jpg> »,
# « [cid:image001.png@01C7…] »
_IMAGE = re.compile(r"[\[<](?:cid:)?[\w.() -]{1,80}\.(?:png|jpe?g|gif|bmp)(?:@[\w.-]+)?[\]>]", re.I)
# a contact written on one line, its parts between « | »
_FIELD_SEPARATOR = re.compile(r"\s\|\s")
_URL_TOKEN = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# a name: one to four capitalised words (Latin or Cyrillic capitals), « Jean-Michel Durand »
_UPPER = "A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁ"
_NAME = re.compile(rf"[{_UPPER}][\w'’.-]*(?: (?:[{_UPPER}(]|de |van |von |da )[\w'’.()-]*){{0,3}}")
_KEPT_AFTER_NAME = re.compile(r"^(?:P\.?S\.?|N\.?B\.?)\b", re.IGNORECASE)
MAX_CONTACT_LINES = 8
MAX_CLOSING_CHARS = 30
_SENTENCE_ENDS = (".", "?", "!", ":", "…")
# « e. V. », « S.A. », « Tél. » end with a dot and are no sentence
_ABBREVIATION_END = re.compile(r"(?:^|[\s.(])\w{1,4}\.$")


def _has_phone(line: str) -> bool:
    labelled = _LABELLED_PHONE.search(line)
    if labelled and 8 <= sum(char.isdigit() for char in labelled.group("number")) <= 15:
        return True
    for match in _PHONE_CANDIDATE.finditer(line):
        digits = sum(char.isdigit() for char in match.group(0))
        if 8 <= digits <= 15:
            return True
    return False


def _is_contact_line(line: str) -> bool:
    return bool(
        _has_phone(line)
        or _EMAIL.search(line)
        or _URL.search(line)
        or _POSTCODE.search(line)
        or (line.rstrip().endswith(("]", ">")) and _IMAGE.fullmatch(line.strip()))
    )


def _is_sentence(line: str) -> bool:
    text = line.rstrip()
    if not text.endswith(_SENTENCE_ENDS):
        return False
    return not (text.endswith(".") and _ABBREVIATION_END.search(text))


def contact_block_start(lines: list[str]) -> int | None:
    """Index where a contact block starts under a name, or None.

    The block must be the last lines, each short, at most MAX_CONTACT_LINES of them, no
    « PS » among them, and hold at least one phone number, address or URL; under a
    sign-off and a name, or under a name alone below a blank line.
    """
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    window_start = max(0, last - MAX_CONTACT_LINES - 3)
    signed_at = None
    for i in range(last, window_start - 1, -1):
        text = clean(lines[i])
        match = SIGN_OFF.fullmatch(text)
        if not match or len(text) > 40:
            continue
        rest = match.group("rest").strip()
        if rest and not _NAME.fullmatch(rest):
            continue  # « Merci pour ton message » is a sentence, not a sign-off
        name = i if rest else _next_non_blank(lines, i + 1)
        if name is not None and (rest or _NAME.fullmatch(clean(lines[name]))):
            found = _block_after(lines, name, last)
            if found is not None:
                return found
            signed_at = name
        break
    found = _block_under_a_lone_name(lines, window_start, last)
    if found is not None and signed_at is not None and found - 1 > signed_at:
        return found - 1  # signed above, then a postscript: the full name heads the block
    if found is not None and _repeats_the_name(lines, found - 1):
        return found - 1  # « Karim » then the block « Karim Benali / … »
    return found


def _repeats_the_name(lines: list[str], name: int) -> bool:
    """The lone name heading a block repeats, in full, the first name signed above it, or
    the name it shortens (« Manu » then « Emmanuel Roche », « Kate » then « Katherine … »)."""
    above = next((i for i in range(name - 1, -1, -1) if lines[i].strip()), None)
    if above is None:
        return False
    signed = clean(lines[above])
    match = SIGN_OFF.fullmatch(signed)
    signed = match.group("rest").strip() if match else signed
    full = clean(lines[name]).split()
    if not signed or _NAME.fullmatch(signed) is None or not full:
        return False
    if signed.split() == full[:1]:
        return True
    # a one-word short form of the full first name
    short, first = signed.lower(), full[0].lower()
    return len(full) >= 2 and " " not in short and len(short) >= 3 and short in first


def _block_under_a_lone_name(lines: list[str], window_start: int, last: int) -> int | None:
    """A name standing alone below a blank line (« Jeanne Roux ») or below a sign-off of a
    language SIGN_OFF does not know, then a title, an organisation and a way to reach the
    person (Outlook users without a sign-off, or a block under a postscript)."""
    for i in range(last - 1, max(window_start, 1) - 1, -1):
        if not lines[i].strip() or (lines[i - 1].strip() and not _closes(lines, i - 1)):
            continue
        text = clean(lines[i])
        if len(text) > 40 or not _NAME.fullmatch(text):
            continue
        if not any(line.strip() for line in lines[:i]):
            return None  # nothing above the name: the whole reply is no signature
        return _block_after(lines, i, last, lone_name=True)
    return None


def _closes(lines: list[str], i: int) -> bool:
    """A sign-off in a language SIGN_OFF does not know (« S pozdravem », « Üdvözlettel, »):
    a line of one to three words, no name, digit or sentence's end, opening a paragraph."""
    text = clean(lines[i])
    if i and lines[i - 1].strip():
        return False
    if not 0 < len(text) <= MAX_CLOSING_CHARS or len(text.split()) > 3:
        return False
    if text.endswith(_SENTENCE_ENDS) or any(char.isdigit() for char in text):
        return False
    return not _NAME.fullmatch(text.rstrip(" ,!"))  # a first name above the full one


def _block_after(lines: list[str], name: int, last: int, *, lone_name: bool = False) -> int | None:
    if name >= last:
        return None
    block = [
        field
        for line in lines[name + 1 : last + 1]
        if line.strip()
        for field in (_FIELD_SEPARATOR.split(line.strip()) if "|" in line else [line])
    ]
    if not block or len(block) > MAX_CONTACT_LINES:
        return None
    if any(len(line.strip()) > 80 or _KEPT_AFTER_NAME.match(line.strip()) for line in block):
        return None
    if not any(_is_contact_line(line) for line in block):
        return None
    if any(_is_sentence(line) and not _is_contact_line(line) for line in block):
        return None  # a sentence after the name is the person still writing
    if lone_name and any(_is_contact_line(line) and not _is_contact_only(line) for line in block):
        return None  # « Plan d'accès : http://… » under a name may still be the message
    return name + 1


def _is_contact_only(line: str) -> bool:
    """A line that is only a URL, a postal address, a phone number (with a short label)
    or a logo."""
    text = clean(line)
    if len(text) > 80 or not _is_contact_line(text):
        return False
    if _IMAGE.fullmatch(text):
        return True
    rest = _URL_TOKEN.sub("", _EMAIL.sub("", _PHONE_CANDIDATE.sub("", text)))
    if _POSTCODE.search(rest):
        rest = _POSTCODE.sub("", _STREET.sub("", rest))
    return len(rest.strip(" :.-–|/()")) <= 12


_ANSWER_WORDS = {"oui", "non", "yes", "no", "ja", "nein", "si", "sí", "ok", "d'accord", "okay"}


def is_closing(lines: list[str]) -> bool:
    """A sign-off and a name (« Amitiés,\nFatou »), or a name alone (« Marc »): what
    follows an unanswered quote at the end of an inline reply. « Oui » is an answer."""
    content = [clean(line) for line in lines if line.strip()]
    if not content or len(content) > 3:
        return False
    first = SIGN_OFF.fullmatch(content[0])
    if first and len(content[0]) <= 40:
        rest = first.group("rest").strip()
        names = content[1:] + ([rest] if rest else [])
    elif len(content) == 1 and content[0].strip(" .!").lower() not in _ANSWER_WORDS:
        names = content
    else:
        return False
    return all(_NAME.fullmatch(name) and not name.endswith(_SENTENCE_ENDS) for name in names)


def _next_non_blank(lines: list[str], i: int) -> int | None:
    for j in range(i, min(len(lines), i + 2)):
        if lines[j].strip():
            return j
    return None
