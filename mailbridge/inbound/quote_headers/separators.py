"""Separators: a line of its own that opens the history ("-----Message d'origine-----",
"---------- Forwarded message ---------", "Début du message réexpédié :", Zoho's
"---- On … wrote ----" in any language, also wrapped over two or three lines). A forward
separator opens a message to keep, the others history to drop."""

from __future__ import annotations

import re

from mailbridge.inbound.quote_headers.base import (
    ISO_DATE,
    NUMERIC_DATE,
    TIME,
    Match,
    Rule,
    clean,
    is_quoted,
    rule,
)

# the verb of a reply header, in every language a rule knows
WROTE = (
    r"(?:wrote|a écrit|avez écrit|schrieb|escribió|ha scritto|schreef|escreveu|skrev"
    r"|пишет|написал\(а\)|написала?|napisał\(a\)|napisała?|pisze|va escriure|kirjoitti)"
)
# an address as Zoho writes it after the name, and the last word of a header (a verb,
# « написал(а) » included), in any script
_ADDRESS = r"<[^<>\s@]+@[^<>\s]+>"
_WORD = r"[^\W\d_][\w()]*"
# Gmail and Thunderbird draw their forward rules with dashes, Zoho with « = »
_RULE = r"[-=]{3,}"


def _ruled(*titles: str) -> str:
    return "|".join(f"{_RULE} ?{title} ?{_RULE}" for title in titles)


SEPARATORS: tuple[Rule, ...] = (
    rule(
        "outlook_fr",
        "separator",
        r"-{2,} ?Message d'origine ?-{2,}",
        "Outlook (desktop) and Samsung/Huawei mail in French: « -----Message d'origine----- ».",
    ),
    rule(
        "outlook_en",
        "separator",
        r"-{2,} ?Original Message ?-{2,}",
        "Outlook, Zimbra, BlackBerry and Android mail in English: « -----Original Message----- ».",
    ),
    rule(
        "outlook_de",
        "separator",
        r"-{2,} ?Ursprüngliche Nachricht ?-{2,}",
        "Outlook in German: « -----Ursprüngliche Nachricht----- ».",
    ),
    rule(
        "outlook_es",
        "separator",
        r"-{2,} ?Mensaje original ?-{2,}",
        "Outlook in Spanish: « -----Mensaje original----- ».",
    ),
    rule(
        "outlook_it",
        "separator",
        r"-{2,} ?Messaggio originale ?-{2,}",
        "Outlook in Italian: « -----Messaggio originale----- ».",
    ),
    rule(
        "outlook_other",
        "separator",
        r"-{2,} ?(?:Oorspronkelijk bericht|Opprinnelig melding|Oprindelig meddelelse"
        r"|Ursprungligt meddelande|Mensagem original|Исходное сообщение) ?-{2,}",
        "Outlook in Dutch, Norwegian, Danish, Swedish, Portuguese, Russian:"
        " « -----Oorspronkelijk bericht----- ».",
    ),
    rule(
        "zimbra_fr",
        "separator",
        r"-{3,} ?(?:Mail|Message) (?:original|d'origine) ?-{3,}",
        "Zimbra (Free, universities), SOGo, La Poste in French: « ----- Mail original ----- ».",
    ),
    rule(
        "zoho",
        "separator",
        rf"-{{2,}} ?(?:(?:On|Le|Am|El|Il|Op|Em|Den|W dniu) .{{5,250}} {WROTE}(?: .{{2,200}})?"
        rf"|[^-:]{{2,120}} {WROTE}) ?-{{2,}}",
        "Zoho Mail: « ---- On Mon, 02 Jul 2007 09:15:22 +0200 Helen <h@x> wrote ---- », in"
        " any language, the verb last or, in German, before the name (« ---- Am … schrieb"
        " Helene <h@x> ---- »), and the dateless « ---- Helen wrote ---- » of some Android"
        " mail apps.",
    ),
    rule(
        "forward_fr",
        "forward",
        _ruled("Message transféré") + r"|Début du message (?:réexpédié|transféré) ?:",
        "Forward in French: Thunderbird/Gmail « Message transféré », Apple « Début du message"
        " réexpédié : ».",
    ),
    rule(
        "forward_en",
        "forward",
        _ruled("Forwarded message") + r"|Begin forwarded message ?:",
        "Forward in English: Gmail/Thunderbird « Forwarded message », Zoho's « ==== Forwarded"
        " message ==== », Apple « Begin forwarded message: ».",
    ),
    rule(
        "forward_de",
        "forward",
        _ruled("Weitergeleitete Nachricht")
        + r"|Anfang der weitergeleiteten (?:E-Mail|Nachricht) ?:",
        "Forward in German: « Weitergeleitete Nachricht », « Anfang der weitergeleiteten"
        " E-Mail: ».",
    ),
    rule(
        "forward_es",
        "forward",
        _ruled("Mensaje reenviado") + r"|Inicio del mensaje reenviado ?:",
        "Forward in Spanish: « Mensaje reenviado », « Inicio del mensaje reenviado: ».",
    ),
    rule(
        "forward_it",
        "forward",
        _ruled("Messaggio inoltrato") + r"|Inizio messaggio inoltrato ?:",
        "Forward in Italian: « Messaggio inoltrato », « Inizio messaggio inoltrato: ».",
    ),
    rule(
        "forward_other",
        "forward",
        _ruled(
            "Doorgestuurd bericht",
            "Videresendt (?:melding|meddelelse)",
            "Vidarebefordrat (?:meddelande|brev)",
            "Mensagem encaminhada",
            "Пересылаемое сообщение",
        )
        + r"|(?:Begin doorgestuurd bericht|Início da mensagem reencaminhada"
        r"|Начало пересылаемого сообщения) ?:",
        "Forward in Dutch, Norwegian, Danish, Swedish, Portuguese, Russian: « Doorgestuurd"
        " bericht », « Mensagem encaminhada »…",
    ),
    # after the forwards, whose titles it must not take
    rule(
        "zoho_any",
        "separator",
        rf"-{{2,}} ?(?=.*{_ADDRESS})(?=.*\d{{1,2}}:\d{{2}}).{{5,300}}(?:{_WORD}|>) ?-{{2,}}",
        "Zoho Mail in a language no rule knows, read by its shape: between rules of dashes,"
        " a time, an address in angle brackets, and a word (the verb, « skrev », « написал »)"
        " or the address last (« ---- På tir, 03 jul 2007 10:40:12 +0200 Katrin <k@x> skrev"
        " ---- »).",
    ),
)


# a separator line that opens with dashes but does not close with them was wrapped
_OPEN_RULE = re.compile(r"-{2,} ?\S.*[^-\s]$")
MAX_SEPARATOR_WRAP = 3


def match_separator(lines: list[str], i: int) -> Match | None:
    line = clean(lines[i])
    for separator in SEPARATORS:
        if separator.pattern.fullmatch(line):
            return Match(separator.name, separator.kind, i, i + 1)
    if not _OPEN_RULE.fullmatch(line):
        return None
    for k in range(1, MAX_SEPARATOR_WRAP):
        if i + k >= len(lines) or not lines[i + k].strip() or is_quoted(lines[i + k]):
            return None
        line = clean(f"{line} {lines[i + k]}")
        if line.endswith("-"):
            for separator in SEPARATORS:
                if separator.pattern.fullmatch(line):
                    return Match(separator.name, separator.kind, i, i + k + 1)
            return None
    return None


# tried apart from SEPARATORS, only on the lines starting with « >>> »
GROUPWISE = rule(
    "groupwise",
    "separator",
    rf">>> ?.{{1,160}}? (?:{NUMERIC_DATE}|{ISO_DATE}),? {TIME} ?>>>",
    "GroupWise: « >>> Hélène Martin <h@x> 04/07/2007 10:12 >>> » above the history it"
    " does not quote (the line starts with « > » but is no quote).",
)


def match_chevron_header(lines: list[str], i: int) -> Match | None:
    """GroupWise's « >>> Name <addr> date time >>> » line, which reads as a quote."""
    text = lines[i].strip()
    if not (text.startswith(">>>") and text.endswith(">>>")):
        return None
    if GROUPWISE.pattern.fullmatch(clean(text)) is None:
        return None
    return Match(GROUPWISE.name, GROUPWISE.kind, i, i + 1)
