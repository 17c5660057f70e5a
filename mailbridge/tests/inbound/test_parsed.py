"""ParsedMessage (mailbridge/inbound/parsed.py): each header of each part parsed once,
and what a change writes read again."""

from __future__ import annotations

from email import policy

from mailbridge.inbound.parsed import ParsedMessage, parse_bytes

RAW = (
    b"From: =?utf-8?q?H=C3=A9l=C3=A8ne?= <helene@exemple.org>\r\n"
    b"Subject: Re: Qui vient ?\r\n"
    b"Content-Type: multipart/mixed; boundary=LIMITE\r\n\r\n"
    b"--LIMITE\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nJe viens.\r\n"
    b"--LIMITE\r\nContent-Type: application/pdf; name=programme.pdf\r\n"
    b"Content-Disposition: attachment; filename*=utf-8''programme%20d%C3%A9taill%C3%A9.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
    b"--LIMITE--\r\n"
)


def test_every_part_is_parsed_once_per_header(monkeypatch):
    message = parse_bytes(RAW)
    parsed = []
    real = type(policy.default).header_fetch_parse
    monkeypatch.setattr(
        type(policy.default),
        "header_fetch_parse",
        lambda self, name, value: (parsed.append(name.lower()), real(self, name, value))[1],
    )
    text, pdf = message.get_payload()
    assert isinstance(text, ParsedMessage) and isinstance(pdf, ParsedMessage)
    for _ in range(3):
        assert message["From"].addresses[0].display_name == "Hélène"
        assert message.get_content_type() == "multipart/mixed"
        assert text.get_content_type() == "text/plain"
        assert pdf.get_filename() == "programme détaillé.pdf"
        assert pdf.get_content_disposition() == "attachment"
        assert message.get("X-Absent", "rien") == "rien"
    # The parser itself read the parts' content types, once; the rest once here.
    assert sorted(parsed) == ["content-disposition", "from"]


def test_a_changed_header_is_read_again():
    message = parse_bytes(RAW)
    assert message.get_content_type() == "multipart/mixed"
    message.replace_header("Content-Type", "text/plain")
    assert message.get_content_type() == "text/plain"
    assert message["Subject"] == "Re: Qui vient ?"
    del message["Subject"]
    assert message["Subject"] is None
    message["Subject"] = "Autre sujet"
    assert message["Subject"] == "Autre sujet"
    message.set_param("charset", "iso-8859-1")
    assert message.get_param("charset") == "iso-8859-1"
