"""Reply headers in Russian, Polish and Finnish, those that do not depend on a language
(Gmail's ISO date, Supercite's « "HM" == Hélène … writes: »), and the generic rule tried
last."""

from __future__ import annotations

from mailbridge.inbound.quote_headers.base import (
    DAY_FI,
    DAY_PL,
    DAY_RU,
    MONTH_FI,
    MONTH_PL,
    MONTH_RU,
    NUMERIC_DATE,
    TIME,
    Rule,
    rule,
)

_WROTE_RU = r"(?:пишет|написал\(а\)|написала?)"

RUSSIAN: tuple[Rule, ...] = (
    rule(
        "gmail_ru",
        "attribution",
        rf"{DAY_RU},? \d{{1,2}} {MONTH_RU} \d{{4}} г\.,? в {TIME},? .+:",
        "Gmail in Russian: « ср, 4 июл. 2007 г. в 10:12, Елена <h@x>: ».",
    ),
    rule(
        "apple_mail_ru",
        "attribution",
        rf"\d{{1,2}} {MONTH_RU} \d{{4}} г\.,? в {TIME},? .+ {_WROTE_RU} ?:",
        "Apple Mail in Russian: « 4 июля 2007 г., в 10:12, Елена <h@x> написал(а): ».",
    ),
    rule(
        "yandex_ru",
        "attribution",
        rf"{NUMERIC_DATE},? {TIME},? \"?[^\"<>]{{1,80}}\"? <[^<>]+>:",
        'Yandex Mail: « 04.07.2007, 10:12, "Елена" <h@x>: ».',
    ),
    rule(
        "mailru_ru",
        "attribution",
        rf"(?:{DAY_RU},? )?\d{{1,2}} {MONTH_RU} \d{{4}},? {TIME}(?: [+-]\d{{2}}:?\d{{2}})? от .+:",
        "Mail.ru: « Среда, 4 июля 2007, 10:12 +02:00 от Елена <h@x>: ».",
    ),
    rule(
        "any_ru",
        "attribution",
        rf"\D{{0,30}}\d.{{0,200}} {_WROTE_RU} ?:",
        "Any Russian « <дата>, <имя> пишет: », Thunderbird « 04.07.2007 10:12, Елена пишет: ».",
    ),
    rule(
        "short_ru",
        "attribution",
        rf"[^:<>]{{1,80}}(?: ?<[^<>]+>)? {_WROTE_RU} ?:",
        "Short Russian « Елена пишет: », only when quoted lines follow.",
        needs_quote=True,
    ),
)

_WROTE_PL = r"(?:napisał\(a\)|napisała?|pisze)"

POLISH: tuple[Rule, ...] = (
    rule(
        "gmail_pl",
        "attribution",
        rf"{DAY_PL},? \d{{1,2}} {MONTH_PL} \d{{4}} o {TIME} .+ {_WROTE_PL} ?:",
        "Gmail in Polish: « śr., 4 lip 2007 o 10:12 Helena <h@x> napisał(a): ».",
    ),
    rule(
        "any_pl",
        "attribution",
        rf"(?:W dniu|Dnia)? ?\D{{0,30}}\d.{{0,200}} {_WROTE_PL} ?:",
        "Any Polish « <data>, <imię> napisał(a): », Thunderbird « W dniu 04.07.2007 10:12,"
        " Helena pisze: ».",
    ),
)

FINNISH: tuple[Rule, ...] = (
    rule(
        "gmail_fi",
        "attribution",
        rf"{DAY_FI},? \d{{1,2}}\.? {MONTH_FI},? \d{{4}},? klo {TIME},? .+ kirjoitti ?:",
        "Gmail in Finnish: « ke 4. heinäk. 2007 klo 10.12 Helena (<h@x>) kirjoitti: ».",
    ),
    rule(
        "any_fi",
        "attribution",
        r"\D{0,30}\d.{0,200} kirjoitti ?:|.{1,120} kirjoitti \d.{0,80}:",
        "Any Finnish « <päivä>, <nimi> kirjoitti: », Thunderbird « Helena kirjoitti"
        " 4.7.2007 10:12: ».",
    ),
    rule(
        "short_fi",
        "attribution",
        r"[^:<>]{1,80}(?: ?<[^<>]+>)? kirjoitti ?:",
        "Short Finnish « Helena kirjoitti: », only when quoted lines follow.",
        needs_quote=True,
    ),
)

ANY_LANGUAGE: tuple[Rule, ...] = (
    rule(
        "gmail_iso",
        "attribution",
        r"\d{4}-\d{2}-\d{2} \d{1,2}:\d{2} GMT[+-]\d{1,2}(?::?\d{2})? .+:",
        "Gmail before 2017, in most languages: « 2007-07-04 10:12 GMT+02:00 Hélène <h@x>: ».",
    ),
    rule(
        "supercite",
        "attribution",
        r"(?:>+ )?\"?[^\"]{1,40}\"? == .{1,160} (?:writes|wrote|écrit|a écrit|schreibt|schrieb):",
        'Gnus with Supercite: « >>>>> "HM" == Hélène Martin <h@x> writes: ».',
    ),
    rule(
        "generic_attribution",
        "attribution",
        r".{0,120}(?:[\w.+-]+@[\w-]+\.[\w.-]+|\d{1,2}[:h]\d{2}|\d{4}-\d{2}-\d{2}).{0,120}:",
        "Mutt « * Hélène <h@x> [2007-06-29 17:20 +0200]: », FairEmail and others: a line"
        " ending in « : » with an address or a time, only when quoted lines follow.",
        needs_quote=True,
    ),
)
