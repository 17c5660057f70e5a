"""Reply extraction: the corpus of real-shaped replies, each rule family, and robustness.

The corpus (tests/mail/replies/) holds one `.eml` per case and the exact post a careful
reader would want from it (`.expected.txt`). Each case is a test of its own (a miss shows
as xfail with the difference); the rate over the corpus must stay at or above 90 %.
"""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbridge.inbound import quote_headers, signatures
from mailbridge.inbound.body import message_bodies
from mailbridge.inbound.extract_reply import extract_reply, extract_reply_with_rules
from mailbridge.inbound.footer_marker import FOOTER_DELIMITER, FOOTER_MARKER

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "mail" / "replies"
CASES = sorted(CORPUS.glob("*.eml"))
TARGET = 0.90
NBSP, NNBSP = "\u00a0", "\u202f"


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n")).strip()


def extract_case(path: Path) -> tuple[str, str, list[str]]:
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    bodies = message_bodies(msg)
    extracted, rules = extract_reply_with_rules(bodies.text, bodies.html)
    expected = path.with_name(path.name.removesuffix(".eml") + ".expected.txt")
    return normalise(expected.read_text(encoding="utf-8")), normalise(extracted.body), rules


# ----------------------------------------------------------------------------- corpus


def test_the_corpus_has_at_least_sixty_messages_each_with_its_expected_post():
    assert len(CASES) >= 60
    for path in CASES:
        assert path.with_name(path.name.removesuffix(".eml") + ".expected.txt").exists(), path


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_corpus_reply_is_extracted_as_a_careful_reader_would_post_it(path):
    want, got, rules = extract_case(path)
    if got != want:
        pytest.xfail(f"rules {rules}\n--- expected\n{want}\n--- got\n{got}")


def test_corpus_exact_match_rate_is_at_least_90_percent():
    misses = []
    for path in CASES:
        want, got, rules = extract_case(path)
        if got != want:
            misses.append(f"{path.stem} {rules}\n--- expected\n{want}\n--- got\n{got}")
    rate = 1 - len(misses) / len(CASES)
    print(f"reply extraction: {len(CASES) - len(misses)}/{len(CASES)} exact ({rate:.1%})")
    for miss in misses:
        print(miss)
    assert rate >= TARGET, "\n\n".join(misses)


# ----------------------------------------------------------------------------- reply headers


QUOTE = "> Bonjour,\n> la réunion est à 9 h.\n"


@pytest.mark.parametrize(
    ("rule", "header"),
    [
        ("gmail_fr", f"Le mer. 4 juil. 2007 à 10:12, Hélène <h@x.org> a écrit{NBSP}:"),
        ("apple_mail_fr", f"Le 4 juil. 2007 à 10:12, Hélène <h@x.org> a écrit{NNBSP}:"),
        ("thunderbird_fr", "Le 04/07/2007 à 10:12, Hélène Martin a écrit :"),
        ("roundcube_fr", "Le 2007-07-04 10:12, Hélène Martin a écrit :"),
        ("yahoo_fr", "Le mercredi 4 juillet 2007 à 10:12:33 UTC+2, Hélène <h@x.org> a écrit :"),
        ("k9_fr", "Le 4 juillet 2007 10:12:00 GMT+02:00, Hélène <h@x.org> a écrit :"),
        ("any_fr", "Le lun., juil. 2, 2007 à 9:15, Hélène<h@x.org> a écrit :"),
        ("short_fr", "Hélène Martin a écrit :"),
        ("gmail_en", "On Wed, Jul 4, 2007 at 10:12 AM Helen <h@x.org> wrote:"),
        ("apple_mail_en", "On Jul 4, 2007, at 10:12, Helen <h@x.org> wrote:"),
        ("thunderbird_en", "On 04/07/2007 10:12, Helen Martin wrote:"),
        ("yahoo_en", "On Wednesday, July 4, 2007, 10:12:33 AM GMT+2, Helen <h@x.org> wrote:"),
        ("gmail_de", "Am Mi., 4. Juli 2007 um 10:12 Uhr schrieb Helene <h@x.org>:"),
        ("apple_mail_de", "Am 04.07.2007 um 10:12 schrieb Helene:"),
        ("gmail_es", "El mié, 4 jul 2007 a las 10:12, Helena (<h@x.org>) escribió:"),
        ("apple_mail_es", "El 4 jul 2007, a las 10:12, Helena <h@x.org> escribió:"),
        ("gmail_it", "Il giorno mer 4 lug 2007 alle ore 10:12 Elena <e@x.org> ha scritto:"),
        ("thunderbird_it", "Il 04/07/2007 10:12, Elena Martini ha scritto:"),
        ("generic_attribution", "* Hélène <h@x.org> [2007-07-04 10:12 +0200]:"),
    ],
)
def test_reply_header_of_each_client_family_is_recognised(rule, header):
    lines = [header, *QUOTE.splitlines()]
    match = quote_headers.match_attribution(lines, 0)
    assert match is not None and match.rule == rule
    assert extract_reply(f"D'accord.\n\n{header}\n{QUOTE}").body == "D'accord."


@pytest.mark.parametrize(
    "wrapped",
    [
        "Le mer. 4 juil. 2007 à 10:12, Hélène Martin <\nh.martin@exemple.org> a écrit :",
        "Le mer. 4 juil. 2007 à 10:12, Hélène Martin <h.martin@exemple.org> a\nécrit :",
        "Le mer. 4 juil. 2007 à 10:12, Hélène Martin (Coordination)\n<h.martin@exemple.org>\n"
        f"a écrit{NBSP}:",
    ],
    ids=["two_lines_at_address", "two_lines_inside_a_ecrit", "three_lines"],
)
def test_a_french_reply_header_wrapped_over_lines_is_recognised(wrapped):
    assert extract_reply(f"Merci.\n\n{wrapped}\n\n{QUOTE}").body == "Merci."


@pytest.mark.parametrize(
    "line",
    [
        "Le programme de mercredi me convient.",
        "Le 5 juillet au matin, je propose d'animer la table sur les wikis.",
        "Le compte rendu, Marc l'a écrit : il est sur le wiki.",
        "Le 28 juin, Hélène a écrit dans le questionnaire qu'il fallait oser.",
    ],
)
def test_a_line_starting_with_le_that_is_no_reply_header_is_kept(line):
    text = f"Bonjour,\n\n{line}\nSuite du message.\n\nMarc"
    assert extract_reply(text).body == text


@pytest.mark.parametrize(
    ("rule", "block"),
    [
        ("outlook_fr", "De : Hélène <h@x.org>\nEnvoyé : lundi 2 juillet 2007 09:15\nÀ : liste\n"
         "Objet : Accueil"),
        ("outlook_mac_fr", "De : Hélène <h@x.org>\nDate : lundi 2 juillet 2007 à 09:15\n"
         "À : liste\nObjet : Accueil"),
        ("outlook_en", "From: Helen <h@x.org>\nSent: Monday, July 2, 2007 9:15 AM\nTo: list\n"
         "Subject: Welcome"),
        ("outlook_de", "Von: Helene <h@x.org>\nGesendet: Montag, 2. Juli 2007 09:15\nAn: Liste\n"
         "Betreff: Empfang"),
        ("outlook_es", "De: Helena <h@x.org>\nEnviado: lunes, 2 de julio de 2007 9:15\n"
         "Para: lista\nAsunto: Acogida"),
        ("outlook_it", "Da: Elena <e@x.org>\nInviato: lunedì 2 luglio 2007 09:15\nA: lista\n"
         "Oggetto: Accoglienza"),
    ],
)  # fmt: skip
def test_outlook_header_blocks_in_five_languages_start_the_history(rule, block):
    text = f"Réponse.\n\n________________________________\n{block}\n\nLe message d'origine."
    extracted, rules = extract_reply_with_rules(text)
    assert extracted.body == "Réponse."
    assert rules[0] == rule
    assert extracted.quoted.startswith("____")


@pytest.mark.parametrize(
    "separator",
    [
        "-----Message d'origine-----",
        "-------- Message d'origine --------",
        "-----Original Message-----",
        "-----Ursprüngliche Nachricht-----",
        "-----Mensaje original-----",
        "-----Messaggio originale-----",
        "----- Mail original -----",
    ],
)
def test_original_message_separators_start_the_history(separator):
    text = f"Réponse.\n\n{separator}\nDe : Hélène\nÀ : liste\n\nTexte d'origine."
    assert extract_reply(text).body == "Réponse."


def test_a_titled_rule_of_an_unknown_client_above_a_header_block_goes_with_it():
    text = (
        "Réponse.\n\n----- Courriel d'origine -----\nDe : Hélène\nEnvoyé : lundi\nÀ : liste\n"
        "Objet : Accueil\n\nTexte d'origine."
    )
    extracted = extract_reply(text)
    assert extracted.body == "Réponse."
    assert extracted.quoted.startswith("----- Courriel")


@pytest.mark.parametrize(
    "separator",
    [
        "-------- Message transféré --------",
        "---------- Forwarded message ---------",
        "Début du message réexpédié :",
        "Begin forwarded message:",
        "---------- Weitergeleitete Nachricht ----------",
        "---------- Mensaje reenviado ---------",
        "---------- Messaggio inoltrato ---------",
    ],
)
def test_a_forwarded_message_keeps_its_body_as_a_quote_and_drops_its_headers(separator):
    text = (
        f"Je vous transmets ceci.\n\n{separator}\nDe : Marc <m@x.org>\nDate : 3 juillet 2007\n"
        "Objet : Annonce\nÀ : moi\n\nL'annonce.\n"
    )
    assert extract_reply(text).body == "Je vous transmets ceci.\n\n> L'annonce."


def test_a_forward_with_nothing_written_above_becomes_the_post():
    text = "---------- Forwarded message ---------\nFrom: Marc <m@x.org>\nSubject: A\n\nL'annonce."
    assert extract_reply(text).body == "L'annonce."


# ----------------------------------------------------------------------------- quotes


def test_an_inline_reply_keeps_the_questions_it_answers_as_markdown_quotes():
    text = (
        "Le 04/07/2007 à 10:12, Hélène a écrit :\n> Question un ?\n\nRéponse un.\n\n"
        ">Question deux ?\n\nRéponse deux.\n\n> Rien à voir.\n\nAmitiés,\nFatou\n"
    )
    assert extract_reply(text).body == (
        "> Question un ?\n\nRéponse un.\n\n> Question deux ?\n\nRéponse deux.\n\nAmitiés,\nFatou"
    )


def test_an_inline_reply_keeps_nested_quotes_as_written():
    text = "> > Qui vient ?\n> Moi.\n\nMoi aussi.\n\n> Pieter\n> > Bonjour,\n\nMarc"
    assert extract_reply(f"Bonjour,\n\n{text}").body == (
        "Bonjour,\n\n> > Qui vient ?\n> Moi.\n\nMoi aussi.\n\nMarc"
    )


def test_a_short_answer_after_the_last_quote_keeps_the_quote():
    text = "Bonjour,\n\n> Question un ?\n\nRéponse.\n\n> Vous venez ?\n\nOui"
    assert extract_reply(text).body == text


def test_a_bottom_posted_reply_drops_the_quote_above_it():
    text = "Le 04/07/2007 à 10:12, Hélène a écrit :\n> Qui vient ?\n\nMoi.\n"
    extracted = extract_reply(text)
    assert extracted.body == "Moi."
    assert "Qui vient ?" in extracted.quoted


def test_a_reply_that_is_only_a_quote_is_empty():
    assert extract_reply("Le 04/07/2007 à 10:12, Hélène a écrit :\n> Qui vient ?\n").body == ""


# ----------------------------------------------------------------------------- signatures


def test_our_own_footer_is_recognised_by_its_marker():
    footer = f"{FOOTER_DELIMITER}\n{FOOTER_MARKER} 2007 · Session\nRépondez : http://x/fils/4/"
    extracted, rules = extract_reply_with_rules(f"Ma réponse.\n\n{footer}")
    assert extracted.body == "Ma réponse."
    assert "product_footer" in rules


@pytest.mark.parametrize("delimiter", ["-- ", "--", "\\--"])
def test_the_signature_separator_and_its_trimmed_forms_start_the_signature(delimiter):
    extracted = extract_reply(f"Ma réponse.\n\nMarc\n{delimiter}\nMarc Lefèvre\nUnion des Scop")
    assert extracted.body == "Ma réponse.\n\nMarc"
    assert extracted.signature.endswith("Union des Scop")


@pytest.mark.parametrize(
    "line",
    [
        "Envoyé de mon iPhone",
        "Envoyé depuis mon smartphone Samsung Galaxy.",
        "Envoyé de mon appareil Huawei",
        "Envoyé de mon appareil Android avec K-9 Mail. Veuillez excuser ma brièveté.",
        "Envoyé depuis Yahoo Mail pour Android",
        "Envoyé avec la messagerie sécurisée [Proton Mail](https://proton.me/mail/home).",
        "Obtenir Outlook pour iOS<https://aka.ms/o0ukef>",
        "Télécharger Outlook pour Android",
        "Get Outlook for iOS",
        "Sent from my iPhone",
        "Sent from my Android device with K-9 Mail. Please excuse my brevity.",
        "Von meinem iPhone gesendet",
        "Enviado desde mi iPhone",
        "Inviato da iPhone",
    ],
)
def test_mobile_signatures_are_removed(line):
    assert signatures.mobile_signature(line) is not None
    assert extract_reply(f"Oui, j'arrive.\n\n{line}\n").body == "Oui, j'arrive."


@pytest.mark.parametrize(
    "reply",
    [
        "Merci !\n\nBien à vous, Hélène",
        "Merci !\n\nCordialement,\nJean-Michel",
        "Merci !\n\nMit freundlichen Grüßen\nKatrin Hofmann",
        "Merci !\n\nCordialement,\nJean-Michel\n\nPS : le plan est ici : http://x.org/plan",
        "Merci pour ton message.\nLe lien : http://x.org/doc\nÀ demain",
    ],
)
def test_sign_offs_names_and_postscripts_are_kept(reply):
    assert extract_reply(reply).body == reply


def test_a_contact_block_under_the_sign_off_is_removed():
    text = (
        "Merci !\n\nCordialement,\n\nJean-Michel Durand\nChargé de mission\nURSCOP\n"
        "Tél. : 04 72 00 00 00\nwww.urscop-exemple.coop"
    )
    extracted = extract_reply(text)
    assert extracted.body == "Merci !\n\nCordialement,\n\nJean-Michel Durand"
    assert extracted.signature.startswith("Chargé de mission")


# ----------------------------------------------------------------------------- HTML


def test_html_quote_markup_decides_when_the_text_shows_no_history():
    html = (
        '<div>Oui pour moi.</div><div id="appendonsend"></div><hr>'
        '<div id="divRplyFwdMsg"><b>De :</b> Hélène<br><b>Objet :</b> Accueil</div>'
        "<div>Texte d'origine sans aucun repère.</div>"
    )
    extracted, rules = extract_reply_with_rules("Oui pour moi.\nTexte d'origine.", html)
    assert extracted.body == "Oui pour moi."
    assert rules[0] == "outlook_web_html"


@pytest.mark.parametrize(
    "quote_markup",
    [
        '<div class="gmail_quote">Le … a écrit :<blockquote>Texte</blockquote></div>',
        '<div class="moz-cite-prefix">Le … a écrit :</div><blockquote type="cite">T</blockquote>',
        '<blockquote type="cite">Texte</blockquote>',
        '<div class="yahoo_quoted">Texte</div>',
        '<div class="protonmail_quote">Texte</div>',
        '<hr id="zwchr"><div>De: Hélène</div>',
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        "<p>De : Hélène</p></div>",
        '<div class="intercoop-footer">Intercoop 2007</div>',
    ],
    ids=["gmail", "thunderbird", "apple", "yahoo", "proton", "zimbra", "outlook", "footer"],
)
def test_html_quote_markup_of_each_client_family_is_cut(quote_markup):
    html = f"<html><body><div>Oui pour moi.</div>{quote_markup}</body></html>"
    assert extract_reply("", html).body == "Oui pour moi."


# ----------------------------------------------------------------------------- robustness


@settings(max_examples=300, deadline=None)
@given(st.text(), st.one_of(st.none(), st.text()))
def test_extract_reply_never_raises_on_arbitrary_text(text, html):
    extracted = extract_reply(text, html)
    assert isinstance(extracted.body, str)


LINES = st.sampled_from(
    [
        "",
        "> ",
        "> Le 4 juil. 2007 à 10:12, Hélène a écrit :",
        "Le 4 juil. 2007 à 10:12, Hélène a écrit :",
        "-- ",
        "--",
        "De : Hélène",
        "Objet : Accueil",
        "Envoyé : lundi",
        "________________________________",
        "-----Original Message-----",
        "Begin forwarded message:",
        "Envoyé de mon iPhone",
        "Cordialement,",
        "Marc",
        "http://x.org",
        "Texte.",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=30))
def test_extract_reply_never_raises_on_any_arrangement_of_mail_lines(lines):
    text = "\n".join(lines)
    extracted = extract_reply(text)
    assert len(extracted.body) <= len(text) * 2 + 10
