"""Signatures to remove from a reply: the ones a client or a mail server adds.

- The separator "-- " (RFC 3676 §4.3; also "--" once a client has trimmed the space, and
  html2text's "\\--") starts a signature: everything after it goes. Our own footer uses
  the same separator (footer_marker.py), so a footer left unquoted goes the same way.
- Mobile signatures ("Envoyé de mon iPhone", "Get Outlook for Android", "Verzonden vanaf
  mijn iPhone" …) are a line at the end of the reply, added by the client, not the
  person: a "sent from" phrase in one of the languages below, naming a device or an app,
  or, in any language, a line of a few words naming a phone or a tablet ("Lähetetty
  iPhonesta", "Odesláno z iPhonu"), or a phone and its operator ("Wysłane z telefonu
  Orange").
- Disclaimers ("Pensez à l'environnement avant d'imprimer…", "Ce message et ses pièces
  jointes sont confidentiels…") are paragraphs a mail server appends at the end
  (disclaimers.py).
- Webmail advertisements (Hotmail's, Yahoo's): a rule of underscores, then one short
  paragraph of sentences with a link, at the end of what the person wrote or below the
  quoted history.
- A line holding only U+1427 "ᐧ" is the mark Gmail tracking extensions leave after the
  person's text, invisible in their HTML and a stray dot in the text.

The person's own signature without a separator (name, title, phone) is contact_blocks.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbridge.inbound.footer_marker import FOOTER_MARKER
from mailbridge.inbound.quote_headers import clean, is_quoted

_DELIMITERS = ("--", "\\--")
TRACKING_MARK = "\u1427"


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


def is_tracking_mark(line: str) -> bool:
    """A line that is only the tracking extensions' mark."""
    return line.strip(" \u00a0\u200b") == TRACKING_MARK


# ----------------------------------------------------------------------------- mobile


@dataclass(frozen=True)
class MobileSignature:
    name: str
    pattern: re.Pattern[str]
    doc: str


# what a "sent from" line names: a device, a phone maker, a mail app or a mail provider
# (and the apps whose name says no "mail": Spark, Newton, Spike, Canary, Edison…)
_DEVICE = re.compile(
    r"iPhone|iPad|iPod|Android|Galaxy|Samsung|Huawei|Honor|Xiaomi|Redmi|OnePlus|Pixel|Nokia"
    r"|Motorola|Xperia|BlackBerry|Windows|Outlook|Yahoo|Orange|SFR|Bouygues|Proton|Gmail|K-9"
    r"|FairEmail|Zoho|GMX|WEB\.DE|Yandex|Яндекс|Mail\.ru|Почт|Mail|mobil|smartphone"
    r"|Spark|Newton|Spike|Canary|TypeApp|Edison|Superhuman"
    r"|t[ée]l[ée]phone|phone|tablet|appareil|device|portable|telefoon|telefon|celular"
    r"|telem[óo]vel|телефон|app",
    re.IGNORECASE,
)


def _mobile(name: str, regex: str, doc: str) -> MobileSignature:
    # the line may end with the link Outlook mobile appends: « …pour iOS<https://aka.ms/…> »
    return MobileSignature(name, re.compile(rf"(?:{regex})\.?(?: ?<[^<>]*>)?", re.I), doc)


_WORDS = r"(?: \S+){0,12}"

MOBILE_SIGNATURES: tuple[MobileSignature, ...] = (
    _mobile(
        "outlook_mobile",
        r"(?:Obtenir|Télécharger|Get|Download|Holen Sie sich|Scarica|Obtener|Obter) Outlook"
        r" (?:pour|for|für|per|para) (?:iOS|Android)",
        "Outlook for iOS/Android: « Obtenir Outlook pour iOS », « Get Outlook for Android ».",
    ),
    _mobile(
        "mobile_fr",
        rf"Envoyé (?:de|depuis|avec|à partir de|via|par) \S+{_WORDS}",
        "French: « Envoyé de mon iPhone », « Envoyé depuis mon smartphone Samsung Galaxy »,"
        " « Envoyé à partir de Courrier pour Windows », « Envoyé avec BlackBerry® d'Orange ».",
    ),
    _mobile(
        "mobile_en",
        rf"Sent (?:from|with|via|using|by) \S+{_WORDS}",
        "English: « Sent from my iPhone », « Sent with Proton Mail secure email ».",
    ),
    _mobile(
        "mobile_de",
        rf"Von meinem \S+(?: \S+){{0,3}} gesendet|Gesendet (?:von|mit|über) \S+{_WORDS}",
        "German: « Von meinem iPhone gesendet », « Gesendet mit der WEB.DE Mail App ».",
    ),
    _mobile(
        "mobile_es_pt",
        rf"Enviado (?:desde|con|do|de|pelo|a partir d[oe]|via) \S+{_WORDS}",
        "Spanish and Portuguese: « Enviado desde mi iPhone », « Enviado do meu iPhone ».",
    ),
    _mobile(
        "mobile_it",
        rf"Inviato (?:da|dal|dal mio|con) \S+{_WORDS}",
        "Italian: « Inviato da iPhone », « Inviato dal mio Samsung ».",
    ),
    _mobile(
        "mobile_nl",
        rf"(?:Verzonden|Verstuurd) (?:vanaf|van|met|via) \S+{_WORDS}",
        "Dutch: « Verzonden vanaf mijn iPhone », « Verstuurd met Outlook ».",
    ),
    _mobile(
        "mobile_nordic",
        rf"(?:Sendt|Skickat|Skickad) (?:fra|från|med|via) \S+{_WORDS}",
        "Norwegian, Danish, Swedish: « Sendt fra min iPhone », « Skickat från min iPhone ».",
    ),
    _mobile(
        "mobile_ru",
        rf"Отправлено (?:с|со|из|через) \S+{_WORDS}",
        "Russian: « Отправлено с iPhone », « Отправлено из мобильной Почты Mail.ru ».",
    ),
)


# A handheld named in a line of a few words is a mobile signature in any language, the
# name inflected as the language wants it: « Lähetetty iPhonesta », « iPhone'umdan
# gönderildi », « Wysłane z iPhone'a », « Enviat des del meu iPhone », « Envoyé depuis mon
# Palm Treo », « 发自我的iPhone ». Only names that mean a phone, a tablet or their system,
# written as their makers write them; the short ones whole words.
_HANDHELD = re.compile(
    r"(?<![A-Za-zÀ-ÿ])(?:iPhon|iPad|iPod|BlackBerry|Android|Galaxy|Xperia|Lumia|Windows Phone"
    r"|Windows Mobile|Huawei|Xiaomi|Redmi|OnePlus|Samsung|Nokia|Motorola|Ericsson"
    r"|(?:Palm|Treo|iOS|HTC|Pixel)(?![^\W\d_]))"
)
# or a phone named with the operator that sold it, in any language (« Wysłane z telefonu
# Orange », « Inviato dal cellulare TIM », « Vom Vodafone Handy gesendet »): a word for a
# phone next to an operator's name, written as the operator writes it
_PHONE_WORD = (
    r"[^\W\d_]*(?:mobi|móvil|movil|cellula|celular|telef|phone|handy|portable|gsm"
    r"|телефон|смартфон|мобил)[^\W\d_]*"
)
_OPERATOR_NAME = (
    r"(?:Orange|SFR|Bouygues|Free|Vodafone|T-Mobile|Telekom|O2|Movistar|TIM|Proximus"
    r"|Swisscom|Telenor|Telia|Verizon|AT&T|Sprint|МТС|Билайн|МегаФон)(?![^\W\d_])"
)
_OPERATOR = re.compile(
    rf"(?<![^\W\d_])(?:(?i:{_PHONE_WORD}) {_OPERATOR_NAME}|{_OPERATOR_NAME} (?i:{_PHONE_WORD}))"
)
_APPENDED_LINK = re.compile(r" ?<[^<>]*>$")
MAX_HANDHELD_WORDS = 7
MAX_HANDHELD_CHARS = 60


def _names_a_handheld(text: str) -> bool:
    """A line of a few words naming a handheld, with no sentence's end, address or link
    (but the link Outlook mobile appends)."""
    if text.endswith(">"):
        text = _APPENDED_LINK.sub("", text)
    if not text or len(text) > MAX_HANDHELD_CHARS or len(text.split()) > MAX_HANDHELD_WORDS:
        return False
    if text[-1] in ".?!:;," or "@" in text or "://" in text:
        return False
    if _HANDHELD.search(text) is not None:
        return True
    return _OPERATOR.search(text) is not None


# a rule drawn above a mobile signature, as some operators' mail apps draw it (« ---- »
# then « Envoyé depuis mon mobile Orange »)
_RULE_ABOVE = re.compile(r"[-_=~*]{3,}")


def mobile_signature_start(lines: list[str], i: int) -> int:
    """Where the mobile signature on line `i` starts: at the rule right above it, if
    there is one, or at `i`."""
    if i and _RULE_ABOVE.fullmatch(lines[i - 1].strip()):
        return i - 1
    return i


def mobile_signature(line: str) -> str | None:
    """The name of the mobile signature this line is, or None."""
    text = clean(line)
    if not text or len(text) > 120:
        return None
    for signature in MOBILE_SIGNATURES:
        # the anchored phrase first: it fails on the first word of most lines
        if signature.pattern.fullmatch(text):
            if _DEVICE.search(text) or _HANDHELD.search(text):
                return signature.name
            break
    return "mobile_handheld" if _names_a_handheld(text) else None


# ----------------------------------------------------------------------------- advertisements

AD_RULE = "_" * 20
_AD_RULE = re.compile(r"_{20,}")
_AD_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MAX_AD_LINES = 4
MIN_AD_WORDS = 8  # an advertisement is a sentence or two, a name and a title are not


def advertisement(lines: list[str]) -> tuple[int, int] | None:
    """[start, end) of the advertisement a webmail appends: a rule of underscores, then
    at most MAX_AD_LINES lines with a link and sentences, under which come only blank or
    quoted lines."""
    end = len(lines)
    while end and (not lines[end - 1].strip() or is_quoted(lines[end - 1])):
        end -= 1
    start = end
    while start and lines[start - 1].strip() and not is_quoted(lines[start - 1]):
        start -= 1
    if not 2 <= end - start <= MAX_AD_LINES + 1 or not _AD_RULE.fullmatch(lines[start].strip()):
        return None
    text = " ".join(lines[start + 1 : end])
    if not _AD_LINK.search(text) or len(_AD_LINK.sub("", text).split()) < MIN_AD_WORDS:
        return None
    return start, end


def advertisement_start(lines: list[str]) -> int | None:
    """Where an advertisement ending `lines` starts (`lines` ends where the history was
    cut, under a reply header the webmail wrote below its advertisement), or None."""
    if not any(AD_RULE in line for line in lines[-MAX_AD_LINES - 1 :]):
        return None  # the cheap look first
    found = advertisement(lines)
    return found[0] if found is not None else None
