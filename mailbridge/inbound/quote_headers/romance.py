"""Reply headers in French, Spanish, Catalan, Italian and Portuguese, one rule per client family,
then the `any_*` rule of each language and its short form (only before "> " lines)."""

from __future__ import annotations

from mailbridge.inbound.quote_headers.base import (
    DAY_CA,
    DAY_ES,
    DAY_FR,
    DAY_IT,
    DAY_PT,
    FULL_DAY_FR,
    ISO_DATE,
    MONTH_CA,
    MONTH_ES,
    MONTH_FR,
    MONTH_IT,
    MONTH_PT,
    NUMERIC_DATE,
    TIME,
    Rule,
    rule,
)

# « a écrit », and The Bat!'s « vous avez écrit »
_WROTE_FR = r"(?:a|avez) écrit ?:"
# the short form in the other tenses clients and newsreaders write (Pine's, slrn's
# « Hélène écrivait : », « Hélène écrit : »)
_WRITES_FR = r"(?:(?:a|avez) écrit|écrivait|écrit) ?:"
_SHORT = r"[^:<>]{1,80}(?: ?<[^<>]+>)?"

FRENCH: tuple[Rule, ...] = (
    rule(
        "gmail_fr",
        "attribution",
        rf"Le {DAY_FR} \d{{1,2}} {MONTH_FR} \d{{4}}(?: à|,) {TIME},? .+ {_WROTE_FR}",
        "Gmail (web, Android) in French: « Le mer. 4 juil. 2007 à 10:12, Hélène <h@x> a écrit : ».",
    ),
    rule(
        "apple_mail_fr",
        "attribution",
        rf"Le \d{{1,2}} {MONTH_FR} \d{{4}} à {TIME},? .+ {_WROTE_FR}",
        "Apple Mail (macOS, iPhone), The Bat! in French: « Le 4 juil. 2007 à 10:12, Hélène a"
        " écrit : ».",
    ),
    rule(
        "thunderbird_fr",
        "attribution",
        rf"Le {NUMERIC_DATE}(?: à)? {TIME},? .+ {_WROTE_FR}",
        "Thunderbird, FairEmail, SFR in French: « Le 04/07/2007 à 10:12, Hélène a écrit : ».",
    ),
    rule(
        "roundcube_fr",
        "attribution",
        rf"Le {ISO_DATE} {TIME},? .+ {_WROTE_FR}",
        "Roundcube in French: « Le 2007-07-04 10:12, Hélène a écrit : ».",
    ),
    rule(
        "yahoo_fr",
        "attribution",
        rf"Le {FULL_DAY_FR},? \d{{1,2}} {MONTH_FR} \d{{4}},? (?:à )?{TIME}(?: UTC[+-]\d+)?,? .+"
        rf" {_WROTE_FR}",
        "Yahoo, Proton in French: « Le mercredi 4 juillet 2007 à 10:12:33 UTC+2, H. a écrit : ».",
    ),
    rule(
        "k9_fr",
        "attribution",
        rf"Le \d{{1,2}} {MONTH_FR} \d{{4}} {TIME} (?:GMT|UTC)[+-]\d{{2}}:?\d{{2}},? .+ {_WROTE_FR}",
        "K-9 Mail in French: « Le 4 juillet 2007 10:12:00 GMT+02:00, Hélène <h@x> a écrit : ».",
    ),
    rule(
        "any_fr",
        "attribution",
        rf"Le \D{{0,30}}\d.{{0,200}} {_WROTE_FR}",
        "Any French « Le <date>, <nom> a écrit : ».",
    ),
    rule(
        "short_fr",
        "attribution",
        rf"{_SHORT} {_WRITES_FR}",
        "Short French « Hélène Martin a écrit : » (« écrivait : », « écrit : »), only when"
        " quoted lines follow.",
        needs_quote=True,
    ),
)

SPANISH: tuple[Rule, ...] = (
    rule(
        "gmail_es",
        "attribution",
        rf"El {DAY_ES},? \d{{1,2}} (?:de )?{MONTH_ES} (?:de )?\d{{4}},? a las {TIME},? .+"
        r" escribió:",
        "Gmail in Spanish: « El mié, 4 jul 2007 a las 10:12, Helena (<h@x>) escribió: ».",
    ),
    rule(
        "apple_mail_es",
        "attribution",
        rf"El \d{{1,2}} (?:de )?{MONTH_ES} (?:de )?\d{{4}},? a las? {TIME},? .+ escribió:",
        "Apple Mail in Spanish: « El 4 jul 2007, a las 10:12, Helena <h@x> escribió: ».",
    ),
    rule(
        "any_es",
        "attribution",
        r"El \D{0,30}\d.{0,200} escribió:",
        "Any Spanish « El <fecha>, <nombre> escribió: ».",
    ),
    rule(
        "short_es",
        "attribution",
        rf"{_SHORT} escribió:",
        "Short Spanish « Helena Martín escribió: », only when quoted lines follow.",
        needs_quote=True,
    ),
)

ITALIAN: tuple[Rule, ...] = (
    rule(
        "gmail_it",
        "attribution",
        rf"Il giorno (?:{DAY_IT},? )?\d{{1,2}} {MONTH_IT} \d{{4}},? alle ore {TIME},? .+"
        r" ha scritto:",
        "Gmail and Apple Mail in Italian: « Il giorno mer 4 lug 2007 alle ore 10:12 Elena ha"
        " scritto: ».",
    ),
    rule(
        "thunderbird_it",
        "attribution",
        rf"Il {NUMERIC_DATE},? {TIME},? .+ ha scritto:",
        "Thunderbird in Italian: « Il 04/07/2007 10:12, Elena Martini ha scritto: ».",
    ),
    rule(
        "any_it",
        "attribution",
        r"Il \D{0,30}\d.{0,200} ha scritto:",
        "Any Italian « Il <data>, <nome> ha scritto: ».",
    ),
    rule(
        "short_it",
        "attribution",
        rf"{_SHORT} ha scritto:",
        "Short Italian « Elena Martini ha scritto: », only when quoted lines follow.",
        needs_quote=True,
    ),
)

_AT_PT = r"(?:às|as|à\(s\)|a\(s\))"

PORTUGUESE: tuple[Rule, ...] = (
    rule(
        "gmail_pt",
        "attribution",
        rf"Em {DAY_PT},? \d{{1,2}} de {MONTH_PT} de \d{{4}},? {_AT_PT} {TIME},? .+ escreveu ?:",
        "Gmail in Portuguese (Brazil): « Em qua., 4 de jul. de 2007 às 10:12, Helena <h@x>"
        " escreveu: ».",
    ),
    rule(
        "gmail_pt_pt",
        "attribution",
        r".{1,120} escreveu no dia .{5,80}:",
        "Gmail in Portuguese (Portugal): « Helena <h@x> escreveu no dia quarta, 4/07/2007"
        " à(s) 10:12: ».",
    ),
    rule(
        "apple_mail_pt",
        "attribution",
        rf"Em \d{{1,2}} de {MONTH_PT} de \d{{4}},? {_AT_PT} {TIME},? .+ escreveu ?:",
        "Apple Mail in Portuguese: « Em 4 de jul. de 2007, à(s) 10:12, Helena <h@x> escreveu: ».",
    ),
    rule(
        "thunderbird_pt",
        "attribution",
        rf"(?:{_AT_PT} {TIME} de {NUMERIC_DATE}|Em {NUMERIC_DATE},? {TIME}),? .+ escreveu ?:",
        "Thunderbird in Portuguese: « Às 10:12 de 04/07/2007, Helena Martins escreveu: ».",
    ),
    rule(
        "any_pt",
        "attribution",
        r"(?:Em|Às|No dia) \D{0,30}\d.{0,200} escreveu ?:",
        "Any Portuguese « Em <data>, <nome> escreveu: ».",
    ),
    rule(
        "short_pt",
        "attribution",
        rf"{_SHORT} escreveu ?:",
        "Short Portuguese « Helena Martins escreveu: », only when quoted lines follow.",
        needs_quote=True,
    ),
)

_WROTE_CA = r"(?:va escriure|ha escrit)"

CATALAN: tuple[Rule, ...] = (
    rule(
        "gmail_ca",
        "attribution",
        rf"(?:El|A) {DAY_CA},? \d{{1,2}} (?:de |d')?{MONTH_CA},? (?:de )?\d{{4}},? a les {TIME},?"
        rf" .+ {_WROTE_CA} ?:",
        "Gmail in Catalan: « El dc., 4 de jul. 2007 a les 10:12, Helena (<h@x>) va escriure: ».",
    ),
    rule(
        "any_ca",
        "attribution",
        rf"(?:El|A) \D{{0,30}}\d.{{0,200}} {_WROTE_CA} ?:",
        "Any Catalan « El <data>, <nom> va escriure: ».",
    ),
    rule(
        "short_ca",
        "attribution",
        rf"{_SHORT} {_WROTE_CA} ?:",
        "Short Catalan « Helena Puig va escriure: », only when quoted lines follow.",
        needs_quote=True,
    ),
)
