"""Bodies of received messages: charsets seen in real French mail, HTML-only mail, broken
MIME. Fixtures are in tests/mail/bodies/, named for their case."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbridge.inbound import body as body_module
from mailbridge.inbound.body import Bodies, header_text, message_bodies
from mailbridge.inbound.charsets import decode_best
from mailbridge.inbound.extract_reply import extract_reply
from mailbridge.inbound.flowed import unflow

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "mail" / "bodies"


def load(name: str) -> email.message.EmailMessage:
    return email.message_from_bytes((FIXTURES / f"{name}.eml").read_bytes(), policy=policy.default)


def bodies(name: str) -> Bodies:
    return message_bodies(load(name))


@pytest.mark.parametrize(
    ("fixture", "text", "noted"),
    [
        ("latin1_no_charset", "Réunion à 9 h, café offert à l'accueil.", True),
        ("unknown_charset", "J’ai mis l’agenda à jour : œuvre commune, 10 €.", True),
        ("latin1_label_on_utf8", "Très bien, à mercredi. Hélène", True),
        ("iso8859_15_euro", "Participation aux frais : 10 €, œuvre commune.", False),
        ("windows1252_quoted_printable", "C’est décidé : l’accueil ouvre à 9 h…", False),
        ("iso8859_1_label_with_cp1252_quotes", "L’accueil ouvre à 9 h.", False),
        ("base64_utf8", "Je serai là à 9 h. Élodie", False),
    ],
)
def test_every_charset_of_french_mail_gives_readable_text(fixture, text, noted):
    result = bodies(fixture)
    assert result.text.strip() == text
    assert (result.charset_note is not None) == noted


def test_broken_base64_is_read_as_far_as_it_goes_with_a_note():
    result = bodies("broken_base64")
    assert result.text.startswith("Je serai là à 9 h.")
    assert "Base64" in result.charset_note


def test_a_multipart_without_boundary_is_read_as_text_rather_than_lost():
    result = bodies("missing_boundary")
    assert "Perdu ?" in result.text
    assert "boundary" in result.charset_note


def test_format_flowed_with_delsp_is_joined_back_into_paragraphs():
    result = bodies("flowed_delsp")
    assert result.text.startswith(
        "Nous arriverons par le train de 9 h 40, avec deux collègues du réseau des centres "
        "sociaux.\n\n-- \nPaul"
    )


def test_an_empty_text_part_falls_back_to_the_html_part():
    result = bodies("multipart_empty_plain")
    assert result.text == "Je viens **mercredi**.\nAnne"
    assert result.html is not None


def test_text_attachments_are_not_taken_for_the_body():
    assert bodies("text_attachment_not_body").text.strip() == "Voici la liste en pièce jointe."


def test_html_only_outlook_reply_converts_to_text_and_keeps_html_for_quote_detection():
    result = bodies("html_only_outlook_fr")
    assert "divRplyFwdMsg" not in result.text
    assert "border-top:solid #E1E1E1" in result.html
    assert extract_reply(result.text, result.html).body == (
        "Bonjour Sophie,\n\nC’est complété pour notre réseau.\n\nCordialement,\nMichèle"
    )


@pytest.mark.parametrize(
    ("fixture", "subject"),
    [
        ("rfc2047_headers", "Re: [travail-collaboratif] Réunion de jeudi"),
        ("rfc2047_unknown_charset", "Re: Réunion"),
        ("base64_utf8", "Re: [travail-collaboratif] Accueil"),
    ],
)
def test_rfc2047_encoded_headers_are_decoded_even_with_an_unknown_charset(fixture, subject):
    assert header_text(load(fixture), "Subject") == subject


def test_an_absent_header_is_empty():
    assert header_text(load("rfc2047_headers"), "X-Nothing") == ""


def test_a_part_that_raises_is_skipped_with_a_note(monkeypatch):
    def explode(*_args):
        raise LookupError("codec gone")

    monkeypatch.setattr(body_module, "part_text", explode)
    result = bodies("base64_utf8")
    assert result.text == ""
    assert "skipped" in result.charset_note


def test_decoding_guesses_utf8_first_then_the_declared_charset_then_windows_1252():
    assert decode_best("é".encode(), "iso-8859-1") == ("é", "declared iso-8859-1, decoded as utf-8")
    assert decode_best("é".encode("latin-1"), "iso-8859-15") == ("é", None)
    assert decode_best(b"\x92", None) == ("’", "declared no charset, decoded as windows-1252")
    assert decode_best(b"\x81", "us-ascii")[1].endswith("latin-1")


def test_unflow_keeps_quote_depth_and_the_signature_separator():
    flowed = "> Une ligne \n> coupée.\nRéponse \nsur deux lignes.\n-- \nSig"
    assert unflow(flowed) == "> Une ligne coupée.\nRéponse sur deux lignes.\n-- \nSig"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_message_bodies_never_raises_on_arbitrary_bytes(raw):
    result = message_bodies(email.message_from_bytes(raw, policy=policy.default))
    assert isinstance(result.text, str)


MIME_PIECES = st.sampled_from(
    [
        b"Content-Type: multipart/alternative; boundary=b\r\n",
        b"Content-Type: text/plain; charset=unknown-8bit\r\n",
        b"Content-Type: text/html; charset=utf-8\r\n",
        b"Content-Type: text/plain; format=flowed; delsp=yes\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"Subject: =?x-unknown?Q?R=E9union?=\r\n",
        b"\r\n",
        b"--b\r\n",
        b"--b--\r\n",
        b"=E9=\r\n",
        b"w6k=\r\n",
        b"<div class='gmail_quote'><blockquote>\r\n",
        "Réunion à 9 h\r\n".encode("latin-1"),
        "Le 4 juil. 2007 à 10:12, Hélène a écrit :\r\n".encode(),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(MIME_PIECES, max_size=25))
def test_message_bodies_and_extraction_never_raise_on_garbled_mime(pieces):
    msg = email.message_from_bytes(b"".join(pieces), policy=policy.default)
    result = message_bodies(msg)
    extract_reply(result.text, result.html)
    header_text(msg, "Subject")
