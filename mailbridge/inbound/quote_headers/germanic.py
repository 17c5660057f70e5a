"""Reply headers in English, German, Dutch and the Nordic languages (Norwegian, Danish,
Swedish), one rule per client family, then the `any_*` rule of each language and its
short form (only before "> " lines)."""

from __future__ import annotations

from mailbridge.inbound.quote_headers.base import (
    DAY_DE,
    DAY_EN,
    DAY_NL,
    DAY_NORDIC,
    ISO_DATE,
    MONTH_DE,
    MONTH_EN,
    MONTH_NL,
    MONTH_NORDIC,
    NUMERIC_DATE,
    TIME,
    Rule,
    rule,
)

_SHORT = r"[^:<>]{1,80}(?: ?<[^<>]+>)?"

ENGLISH: tuple[Rule, ...] = (
    rule(
        "gmail_en",
        "attribution",
        rf"On {DAY_EN},? (?:{MONTH_EN} \d{{1,2}},? \d{{4}}|\d{{1,2}} {MONTH_EN},? \d{{4}}),?"
        rf" at {TIME},? .+ wrote:",
        "Gmail in English: « On Wed, Jul 4, 2007 at 10:12 AM Helen <h@x> wrote: ».",
    ),
    rule(
        "apple_mail_en",
        "attribution",
        rf"On (?:{MONTH_EN} \d{{1,2}}, \d{{4}}|\d{{1,2}} {MONTH_EN} \d{{4}}),? at {TIME},? .+"
        r" wrote:",
        "Apple Mail in English: « On Jul 4, 2007, at 10:12, Helen <h@x> wrote: ».",
    ),
    rule(
        "thunderbird_en",
        "attribution",
        rf"On (?:{NUMERIC_DATE}|{ISO_DATE}),? {TIME},? .+ wrote:",
        "Thunderbird in English: « On 04/07/2007 10:12, Helen Martin wrote: ».",
    ),
    rule(
        "yahoo_en",
        "attribution",
        rf"On {DAY_EN},? {MONTH_EN} \d{{1,2}},? \d{{4}},? (?:at )?{TIME}.{{0,12}}, .+ wrote:",
        "Yahoo in English: « On Wednesday, July 4, 2007, 10:12:33 AM GMT+2, Helen <h@x> wrote: ».",
    ),
    rule(
        "any_en",
        "attribution",
        r"On \D{0,30}\d.{0,200} wrote:",
        "Any English « On <date>, <name> wrote: ».",
    ),
    rule(
        "short_en",
        "attribution",
        rf"{_SHORT} (?:wrote|writes|has written) ?:",
        "Short English « Helen Martin wrote: » (« writes: », « has written: »), only when"
        " quoted lines follow.",
        needs_quote=True,
    ),
)

GERMAN: tuple[Rule, ...] = (
    rule(
        "gmail_de",
        "attribution",
        rf"Am {DAY_DE},? \d{{1,2}}\.? {MONTH_DE} \d{{4}} um {TIME}(?: Uhr)? schrieb .+:",
        "Gmail in German: « Am Mi., 4. Juli 2007 um 10:12 Uhr schrieb Helene <h@x>: ».",
    ),
    rule(
        "gmail_android_de",
        "attribution",
        rf".{{1,120}} schrieb am {DAY_DE},? \d{{1,2}}\.? {MONTH_DE} \d{{4}},? {TIME}:",
        "Gmail for Android in German: « Helene <h@x> schrieb am Mi., 4. Juli 2007, 10:12: ».",
    ),
    rule(
        "apple_mail_de",
        "attribution",
        rf"Am {NUMERIC_DATE},? (?:um )?{TIME}(?: Uhr)? schrieb .+:",
        "Apple Mail, Thunderbird, WEB.DE in German: « Am 04.07.2007 um 10:12 schrieb Helene: ».",
    ),
    rule(
        "any_de",
        "attribution",
        r"Am \D{0,30}\d.{0,200} schrieb .{1,200}:",
        "Any German « Am <Datum> schrieb <Name>: ».",
    ),
    rule(
        "short_de",
        "attribution",
        rf"{_SHORT} (?:schrieb|schreibt|hat geschrieben) ?:",
        "Short German « Helene Martin schrieb: » (« schreibt: »), only when quoted lines follow.",
        needs_quote=True,
    ),
)

DUTCH: tuple[Rule, ...] = (
    rule(
        "gmail_nl",
        "attribution",
        rf"Op {DAY_NL},? \d{{1,2}} {MONTH_NL},? \d{{4}},? (?:om )?{TIME},? schreef .+:",
        "Gmail in Dutch: « Op wo 4 jul. 2007 om 10:12 schreef Helena <h@x>: ».",
    ),
    rule(
        "apple_mail_nl",
        "attribution",
        rf"Op \d{{1,2}} {MONTH_NL},? \d{{4}},? (?:om )?{TIME},? heeft .+"
        r" het volgende geschreven ?:",
        "Apple Mail in Dutch: « Op 4 jul. 2007, om 10:12 heeft Helena <h@x> het volgende"
        " geschreven: ».",
    ),
    rule(
        "thunderbird_nl",
        "attribution",
        rf"Op {NUMERIC_DATE},? (?:om )?{TIME},? .+ schreef ?:",
        "Thunderbird in Dutch: « Op 4-7-2007 10:12, Helena Martens schreef: ».",
    ),
    rule(
        "any_nl",
        "attribution",
        r"Op \D{0,30}\d.{0,200} (?:schreef.{0,200}|het volgende geschreven ?):",
        "Any Dutch « Op <datum> schreef <naam>: ».",
    ),
    rule(
        "short_nl",
        "attribution",
        rf"{_SHORT} schreef ?:",
        "Short Dutch « Helena Martens schreef: », only when quoted lines follow.",
        needs_quote=True,
    ),
)

NORDIC: tuple[Rule, ...] = (
    rule(
        "gmail_nordic",
        "attribution",
        rf"(?:Den )?{DAY_NORDIC},? \d{{1,2}}\.? {MONTH_NORDIC},? \d{{4}},? kl\.? {TIME},?"
        r" skrev .+:",
        "Gmail in Norwegian, Danish, Swedish: « ons. 4. jul. 2007 kl. 10:12 skrev Helena <h@x>: »,"
        " « Den ons 4 juli 2007 kl 10:12 skrev … ».",
    ),
    rule(
        "apple_mail_nordic",
        "attribution",
        rf"(?:Den )?\d{{1,2}}\.? {MONTH_NORDIC},? \d{{4}},? kl\.? {TIME},? skrev .+:",
        "Apple Mail in Norwegian, Danish, Swedish: « 4. jul. 2007 kl. 10:12 skrev Helena <h@x>: ».",
    ),
    rule(
        "thunderbird_nordic",
        "attribution",
        rf"Den (?:{NUMERIC_DATE}|{ISO_DATE}),? (?:kl\.? )?{TIME},? (?:skrev .+|.+ skrev ?):",
        "Thunderbird in Norwegian, Danish, Swedish: « Den 04.07.2007 10:12, skrev Helena: ».",
    ),
    rule(
        "any_nordic",
        "attribution",
        r"\D{0,30}\d.{0,200} skrev (?-i:[A-ZÀ-ÞÅÄÖØÆ\"]).{0,200}:",
        "Any Norwegian, Danish, Swedish « <dato> skrev <Navn>: » (a capital: « skrev jag »"
        " is a sentence).",
    ),
    rule(
        "short_nordic",
        "attribution",
        rf"{_SHORT} skrev ?:",
        "Short Norwegian, Danish, Swedish « Helena skrev: », only when quoted lines follow.",
        needs_quote=True,
    ),
)
