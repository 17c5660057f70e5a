"""Disclaimers: the paragraphs a mail server appends under what the person wrote.

Two kinds, in any of the languages below:

- the printing notice, « Pensez à l'environnement avant d'imprimer ce courriel »,
  « Please consider the environment before printing this e-mail »: both the planet and
  the printing;
- the legal notice, « Ce message et ses pièces jointes sont confidentiels… », « Diese
  E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen… »,
  « Avertissement : ce courriel et ses pièces jointes sont réservés à l'usage de leurs
  destinataires… ». It is read by what such notices say rather than by their sentences:
  a paragraph about the message (or its attachments) that says two of the things they
  say, one of them among the first five: it is confidential; it came by mistake; what
  is forbidden or reserved; the sender is not bound by it; the views in it are the
  author's; it is meant for its addressee; to delete it. A person's own last words
  rarely say two of those about the message, and only paragraphs under the first one
  are looked at.

A title above a notice (« CONFIDENTIALITY NOTICE », « Avertissement : ») and the rules
drawn around it go with it.
"""

from __future__ import annotations

import re

from mailbridge.inbound.quote_headers import clean

_BEFORE_PRINTING = re.compile(
    r"avant d'imprimer|n'imprime[rz]? .{0,30}que si|ne pas imprimer|before (?:you )?print"
    r"|print (?:it )?only if|only print|(?:do not|don't) print|bevor sie .{0,40}drucken"
    r"|nicht .{0,20}(?:aus)?drucken|antes de imprimir|no imprima|prima di stampare|non stampare"
    r"|voordat u .{0,30}print|niet .{0,20}print|innan du skriver ut|før du skriver ut"
    r"|wydrukujesz|nie drukuj|vytištěním|netiskněte|yazdırmadan|tulostamista|перед печат",
)
_NATURE = re.compile(
    r"environnement|environment|umwelt|ambiente|milieu|miljø|miljö|planète|planet|środowisk"
    r"|prostředí|prostredie|çevre|ympäristö|природ|arbres|trees|bäume|árboles|alberi",
)
# « ce message … confidentiel » in one sentence says enough alone
_CONFIDENTIAL = re.compile(
    r"(?:ce|le présent|this|diese|dieser|este|questo|dit) (?:message|courriel|e-?mail|mail"
    r"|nachricht|mensaje|mensagem|messaggio|bericht).{0,160}(?:confidenti|vertraulich|riservat"
    r"|vertrouwelijk|intended (?:only|solely|recipient)|exclusi[fv])",
)

# what the notice is about: the message, the e-mail, its attachments
_THE_MESSAGE = re.compile(
    r"message|courriel|e-?mail|\bmail|nachricht|mensaje|correo|mensagem|messaggio|bericht"
    r"|meddelande|meddelelse|melding|wiadomoś|zpráv|správ|e-posta|ileti|viesti|сообщени|письм"
    r"|pièces? jointes?|attachments?|anh[äa]ng|allegat|adjunt|anex|bijlage",
)
# what such notices say, one pattern per thing said, in the languages of the rules; the
# first five say what a person's words about a message rarely say
_SAYS_WORDS = (
    # confidential or privileged
    r"confiden[ct]i|vertraulich|riservat|vertrouwelijk|privil[eè]g|poufn|důvěrn|gizli"
    r"|luottamukse|konfidentiel|конфиденциальн|rechtlich geschützt|legally",
    # received by mistake
    r"par erreur|in error|by mistake|irrtümlich|fälschlich|por error|per errore|por engano"
    r"|per sbaglio|per abuis|abusivement|omyłkowo|omylem|yanlışlıkla|av misstag|ved en fejl"
    r"|по ошибке",
    # forbidden, or reserved for some use
    r"interdit|prohibited|forbidden|untersagt|verboten|prohibid|vietat|proibid|zabronion"
    r"|zakázán|réservés? à l'usage|reserved for|usage exclusif|exclusive use|uso exclusivo"
    r"|uitsluitend bestemd|ausschließlich für",
    # the sender is not bound by it
    r"n'engage|ne saurait|(?:aucune|toute) responsabilit|liabilit|haftung|haftet"
    r"|do not necessarily|does not necessarily",
    # the views in it are the author's
    r"views expressed|views or opinions|opinions? (?:qui|expressed|exprimée?s?|presented)"
    r"|solely those of|meinung des verfassers|meinung des autors",
    # meant for its addressee
    r"destinataire|destinat[aá]ri|recipient|addressee|adressat|empfänger|geadresseerde"
    r"|adresat|odbiorc|příjemce|alıcı|vastaanottaja|mottagare|modtager|mottaker"
    r"|получател|адресат|intended (?:only|solely)",
    # to delete or destroy it
    r"supprimer|détruire|delete|destroy|löschen|vernichten|eliminar|borrar|cancellar"
    r"|distrugg|verwijder|usunąć|smazat|zničit|silin|poista|radera|slette|удалит",
)
_STRONG = 5  # the first _STRONG of _SAYS
_SAYS = tuple(re.compile(words) for words in _SAYS_WORDS)
# one look for any of the strong ones first: most paragraphs say none of them
_SAYS_STRONGLY = re.compile("|".join(_SAYS_WORDS[:_STRONG]))
# a line drawn around a notice, and the title above one
_RULE = re.compile(r"[-=_*~#+.]{3,}")
_TITLE = re.compile(
    r"notice|disclaimer|confidential|avertissement|avis|mentions? légales|hinweis|haftung"
    r"|aviso|avviso|vertraulich|legal|juridique|important|wichtig",
    re.IGNORECASE,
)
MAX_TITLE_CHARS = 40
MIN_THINGS_SAID = 2
MIN_DISCLAIMER_CHARS = 40  # every notice is a sentence, longer than a name or a sign-off
MAX_DISCLAIMER_CHARS = 800


def is_disclaimer(paragraph: str) -> bool:
    """A printing notice, or a legal notice about the message."""
    if len(paragraph) < MIN_DISCLAIMER_CHARS:
        return False  # the cheap look first
    paragraph = paragraph.lower()  # faster than patterns that ignore case
    if _BEFORE_PRINTING.search(paragraph) and _NATURE.search(paragraph):
        return True
    if _CONFIDENTIAL.search(paragraph):
        return True
    if not _SAYS_STRONGLY.search(paragraph) or not _THE_MESSAGE.search(paragraph):
        return False
    return sum(says.search(paragraph) is not None for says in _SAYS) >= MIN_THINGS_SAID


def disclaimer_start(lines: list[str]) -> int | None:
    """Where the disclaimer paragraphs at the end of `lines` start, or None. The rules
    drawn around them and a title above them (« CONFIDENTIALITY NOTICE », « Avertissement
    : ») go with them."""
    start = None
    end = len(lines)
    while True:
        while end and not lines[end - 1].strip():
            end -= 1
        first = end
        while first and lines[first - 1].strip():
            first -= 1
        paragraph = " ".join(clean(line) for line in lines[first:end])
        if not first or len(paragraph) > MAX_DISCLAIMER_CHARS:
            return start  # the first paragraph is the person's, whatever it says
        if is_disclaimer(paragraph):
            start = first
        elif all(_RULE.fullmatch(line.strip()) for line in lines[first:end]):
            if start is not None:  # a rule above the notice; one below it, look on up
                start = first
        elif start is not None and _is_title(paragraph):
            start = first
        else:
            return start
        end = first


def _is_title(paragraph: str) -> bool:
    return len(paragraph) <= MAX_TITLE_CHARS and _TITLE.search(paragraph) is not None
