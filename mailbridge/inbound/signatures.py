"""Signatures to remove from a reply, and sign-offs to keep.

- The separator "-- " (RFC 3676 §4.3; also "--" once a client has trimmed the space, and
  html2text's "\\--") starts a signature: everything after it goes. Our own footer uses
  the same separator (footer_marker.py), so a footer left unquoted goes the same way.
- Mobile signatures ("Envoyé de mon iPhone", "Get Outlook for Android" …) are a line at
  the end of the reply, added by the client, not the person.
- A contact block (phone, address, web site) under a sign-off and a name is the person's
  signature written without a separator, as Outlook users do: the forum already shows
  who wrote the post, so the phone number goes, the sign-off and the name stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbridge.inbound.footer_marker import FOOTER_MARKER
from mailbridge.inbound.quote_headers import clean

_DELIMITERS = ("--", "\\--")


def is_delimiter(line: str) -> bool:
    """The signature separator line, "-- " or one of its trimmed or escaped forms."""
    return line.rstrip(" \u00a0") in _DELIMITERS


def is_product_footer(lines: list[str], i: int) -> bool:
    """The list's own footer: the separator, then a line naming FOOTER_MARKER."""
    if not is_delimiter(lines[i]):
        return False
    for line in lines[i + 1 : i + 3]:
        if line.strip():
            return FOOTER_MARKER in line
    return False


@dataclass(frozen=True)
class MobileSignature:
    name: str
    pattern: re.Pattern[str]
    doc: str


def _mobile(name: str, regex: str, doc: str) -> MobileSignature:
    # the line may end with the link Outlook mobile appends: « …pour iOS<https://aka.ms/…> »
    return MobileSignature(name, re.compile(rf"(?:{regex})\.?(?: ?<[^<>]*>)?", re.I), doc)


MOBILE_SIGNATURES: tuple[MobileSignature, ...] = (
    _mobile("iphone_fr", r"Envoyé de mon (?:iPhone|iPad)", "Apple iPhone/iPad in French."),
    _mobile(
        "galaxy_fr",
        r"Envoyé depuis mon (?:smartphone |téléphone |appareil )?(?:Samsung )?Galaxy.{0,40}",
        "Samsung mail in French: « Envoyé depuis mon smartphone Samsung Galaxy ».",
    ),
    _mobile(
        "android_fr",
        r"Envoyé (?:de|depuis) mon (?:appareil|téléphone|smartphone|mobile|portable)"
        r"(?: \S+){0,12}",
        "Android mail in French: « Envoyé de mon appareil Huawei », K-9 « …avec K-9 Mail… ».",
    ),
    _mobile(
        "app_fr",
        r"Envoyé (?:depuis|de|avec) (?:l'application |l'appli |la messagerie )?"
        r"(?:Yahoo|Mail Orange|Orange|SFR|Proton|ProtonMail|Outlook|sécurisée Proton)"
        r"(?: \S+){0,8}",
        "Webmail and app footers in French: « Envoyé depuis Yahoo Mail pour Android », Proton.",
    ),
    _mobile(
        "outlook_mobile_fr",
        r"(?:Obtenir|Télécharger) Outlook pour (?:iOS|Android)",
        "Outlook for iOS/Android in French: « Obtenir Outlook pour iOS ».",
    ),
    _mobile(
        "outlook_mobile_en",
        r"Get Outlook for (?:iOS|Android)",
        "Outlook for iOS/Android in English: « Get Outlook for iOS ».",
    ),
    _mobile(
        "mobile_en",
        r"Sent (?:from|with|via) (?:my |the )?"
        r"(?:iPhone|iPad|Android|Galaxy|Samsung|Huawei|mobile|phone|smartphone|BlackBerry"
        r"|Yahoo|Proton|ProtonMail|Outlook|Mail for)(?: \S+){0,10}",
        "English clients: « Sent from my iPhone », « Sent with Proton Mail secure email ».",
    ),
    _mobile(
        "mobile_de",
        r"(?:Von meinem \S+(?: \S+){0,3} gesendet|Gesendet (?:von|mit) (?:meinem )?\S+"
        r"(?: \S+){0,6})",
        "German clients: « Von meinem iPhone gesendet », « Gesendet von meinem Android ».",
    ),
    _mobile(
        "mobile_es",
        r"Enviado (?:desde|con) (?:mi )?\S+(?: \S+){0,6}",
        "Spanish clients: « Enviado desde mi iPhone ».",
    ),
    _mobile(
        "mobile_it",
        r"Inviato (?:da|dal|dal mio|con) (?:iPhone|iPad|\S+)(?: \S+){0,6}",
        "Italian clients: « Inviato da iPhone », « Inviato dal mio Samsung ».",
    ),
)


def mobile_signature(line: str) -> str | None:
    """The name of the mobile signature this line is, or None."""
    text = clean(line)
    if not text or len(text) > 120:
        return None
    for rule in MOBILE_SIGNATURES:
        if rule.pattern.fullmatch(text):
            return rule.name
    return None


# ----------------------------------------------------------------------------- sign-offs

SIGN_OFF = re.compile(
    r"(?:"
    # French
    r"(?:Bien |Très )?cordialement|Cordialement vôtre|Bien à (?:vous|toi|tous|toutes)"
    r"|Amitiés?(?: coopératives)?|Amicalement|Bonne (?:journée|soirée|fin de journée)"
    r"|Belle journée|À bientôt|A bientôt|À jeudi|À demain|Au plaisir|Bises|Salutations"
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
    r")\b[ ,.!]*(?P<rest>.*)",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?:\+\d{1,3}[\s.]?|\b0)\(?\d\)?(?:[\s.-]?\d{2}){4}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_URL_TOKEN = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_NAME = re.compile(r"[A-ZÀ-Ý][\w'’.-]*(?: [A-ZÀ-Ý(][\w'’.()-]*){0,3}")
_KEPT_AFTER_NAME = re.compile(r"^(?:P\.?S\.?|N\.?B\.?)\b", re.IGNORECASE)
MAX_CONTACT_LINES = 8
_SENTENCE_ENDS = (".", "?", "!", ":", "…")


def _is_contact_line(line: str) -> bool:
    return bool(_PHONE.search(line) or _EMAIL.search(line) or _URL.search(line))


def contact_block_start(lines: list[str]) -> int | None:
    """Index where a contact block starts under a name, or None.

    The block must be the last lines, each short, at most MAX_CONTACT_LINES of them, no
    « PS » among them. Under a sign-off and a name, it needs one phone number, address
    or URL (the rest may be a job title, an organisation); under a name alone, every
    line must be one (« Claire » then her web site).
    """
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    window_start = max(0, last - MAX_CONTACT_LINES - 3)
    for i in range(last, window_start - 1, -1):
        text = clean(lines[i])
        match = SIGN_OFF.fullmatch(text)
        if not match or len(text) > 40:
            continue
        rest = match.group("rest").strip()
        if rest and not _NAME.fullmatch(rest):
            continue  # « Merci pour ton message » is a sentence, not a sign-off
        name = i if rest else _next_non_blank(lines, i + 1)
        if name is None or (not rest and not _NAME.fullmatch(clean(lines[name]))):
            return None
        return _block_after(lines, name, last, all_contact=False)
    # no sign-off: a name, then only contact lines
    first_contact = last
    while first_contact >= 0 and (
        not lines[first_contact].strip() or _is_contact_only(lines[first_contact])
    ):
        first_contact -= 1
    if first_contact < 0 or first_contact == last:
        return None
    if not _NAME.fullmatch(clean(lines[first_contact])) or len(clean(lines[first_contact])) > 40:
        return None
    if first_contact and lines[first_contact - 1].strip():
        return None  # the name must stand alone, below a blank line
    return _block_after(lines, first_contact, last, all_contact=True)


def _block_after(lines: list[str], name: int, last: int, *, all_contact: bool) -> int | None:
    if name >= last:
        return None
    block = [line for line in lines[name + 1 : last + 1] if line.strip()]
    if not block or len(block) > MAX_CONTACT_LINES:
        return None
    if any(len(line.strip()) > 80 or _KEPT_AFTER_NAME.match(line.strip()) for line in block):
        return None
    check = all if all_contact else any
    if not check(_is_contact_line(line) for line in block):
        return None
    if any(line.rstrip().endswith(_SENTENCE_ENDS) and not _is_contact_line(line) for line in block):
        return None  # a sentence after the name is the person still writing
    return name + 1


def _is_contact_only(line: str) -> bool:
    """A line that is only a URL, an address or a phone number (with a short label)."""
    text = clean(line)
    if len(text) > 80 or not _is_contact_line(text):
        return False
    rest = _URL_TOKEN.sub("", _EMAIL.sub("", _PHONE.sub("", text)))
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
