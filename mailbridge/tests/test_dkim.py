"""DKIM: the key command, and signatures a receiver verifies against the DNS record."""

from __future__ import annotations

import io
import re
import stat
import statistics
import time

import dkim as dkimpy
import pytest
from django.core.management import CommandError, call_command
from dkim.canonicalization import Relaxed
from hypothesis import given
from hypothesis import strategies as st

from mailbridge import dkim, dkim_signer
from mailbridge.tests.listmail_support import DOMAIN, list_mail_settings  # noqa: F401

MESSAGE = (
    b'From: "Intercoop" <session-1@lists.intercoop.test>\r\n'
    b"To: claire.martin@exemple.org\r\n"
    b"Subject: =?utf-8?q?R=C3=A9sum=C3=A9_du_5_juillet?=\r\n"
    b"Date: Thu, 05 Jul 2007 07:00:00 +0200\r\n"
    b"Message-ID: <digest-1@lists.intercoop.test>\r\n"
    b"List-Id: <session-1.lists.intercoop.test>\r\n"
    b"List-Unsubscribe: <https://forum.intercoop.test/desabonnement/1.1:abc/>\r\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Bonjour =C3=A0 toutes et =C3=A0 tous.\r\n"
)


@pytest.fixture
def keygen(settings, tmp_path):
    """Run `manage.py dkim_keygen` in a fresh data dir; returns (path, TXT value)."""
    settings.DATA_DIR = tmp_path

    def run(selector="intercoop2007", *extra):
        out = io.StringIO()
        call_command("dkim_keygen", "--selector", selector, *extra, stdout=out)
        record = re.search(r"^(\S+) IN TXT (.+)$", out.getvalue(), re.M)
        value = "".join(re.findall(r'"([^"]*)"', record.group(2)))
        return tmp_path / "dkim" / f"{selector}.key", record.group(1), value, out.getvalue()

    return run


def dns_returning(name: str, value: str):
    def dnsfunc(domain, timeout=5):
        queried = domain.decode() if isinstance(domain, bytes) else domain
        return value.encode() if queried.rstrip(".") == name else None

    return dnsfunc


def test_keygen_writes_a_private_key_readable_only_by_its_owner(keygen):
    path, name, value, output = keygen()
    assert path.read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert name == f"intercoop2007._domainkey.{DOMAIN}"
    assert value.startswith("v=DKIM1; k=rsa; p=MII")
    assert "INTERCOOP_DKIM_SELECTOR=intercoop2007" in output


def test_keygen_never_overwrites_a_key_unless_told(keygen):
    path, *_ = keygen()
    first = path.read_bytes()
    with pytest.raises(CommandError, match="exists"):
        keygen()
    assert path.read_bytes() == first
    keygen("intercoop2007", "--force")
    assert path.read_bytes() != first


def test_a_signed_message_verifies_against_the_published_record(keygen, settings):
    _path, name, value, _output = keygen()
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    signed = dkim.sign_message(MESSAGE)
    assert signed.startswith(b"DKIM-Signature: ")
    assert signed.endswith(MESSAGE)
    assert dkimpy.verify(signed, dnsfunc=dns_returning(name, value))


def test_the_signature_covers_both_list_unsubscribe_headers(keygen, settings):
    # RFC 8058 §4: a receiver may only offer one-click when the DKIM signature
    # covers List-Unsubscribe and List-Unsubscribe-Post.
    keygen()
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    header = dkim.sign_message(MESSAGE).split(b"\r\n\r\n")[0].decode()
    signed_headers = re.search(r"h=([^;]+);", header.replace("\r\n", "")).group(1)
    names = {name.strip() for name in signed_headers.split(":")}
    assert {"from", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= names


def test_a_message_changed_in_transit_no_longer_verifies(keygen, settings):
    _path, name, value, _output = keygen()
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    signed = dkim.sign_message(MESSAGE)
    tampered = signed.replace(b"Bonjour", b"Bonsoir")
    assert not dkimpy.verify(tampered, dnsfunc=dns_returning(name, value))
    added = signed.replace(
        b"MIME-Version", b"List-Unsubscribe: <https://evil.example/>\r\nMIME-Version"
    )
    assert not dkimpy.verify(added, dnsfunc=dns_returning(name, value))


def test_an_explicit_key_path_is_used(keygen, settings, tmp_path):
    path, name, value, _output = keygen("autre")
    moved = tmp_path / "elsewhere.pem"
    moved.write_bytes(path.read_bytes())
    settings.INTERCOOP_DKIM_SELECTOR = "autre"
    settings.INTERCOOP_DKIM_PRIVATE_KEY_PATH = str(moved)
    path.unlink()
    assert dkimpy.verify(dkim.sign_message(MESSAGE), dnsfunc=dns_returning(name, value))


def test_without_a_key_configured_the_message_leaves_unchanged(settings):
    settings.INTERCOOP_DKIM_SELECTOR = ""
    settings.INTERCOOP_DKIM_PRIVATE_KEY_PATH = ""
    assert dkim.sign_message(MESSAGE) == MESSAGE


def test_a_configured_key_that_is_missing_is_the_operators_error(settings, tmp_path):
    settings.INTERCOOP_DKIM_PRIVATE_KEY_PATH = str(tmp_path / "absent.key")
    with pytest.raises(dkim.DkimConfigError, match="dkim_keygen"):
        dkim.sign_message(MESSAGE)


def test_a_file_that_is_not_a_key_is_the_operators_error(settings, tmp_path):
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key")
    settings.INTERCOOP_DKIM_PRIVATE_KEY_PATH = str(garbage)
    with pytest.raises(dkim.DkimConfigError, match="not a PEM RSA or Ed25519 private key"):
        dkim.sign_message(MESSAGE)


def dkimpy_signature(message: bytes, key_pem: bytes, selector: str, monkeypatch, now: int):
    """dkimpy's own signer, at time `now`, with the same choice of headers."""
    monkeypatch.setattr(dkimpy.time, "time", lambda: now)
    signer = dkimpy.DKIM(message, linesep=b"\r\n")
    signer.should_sign.update(dkim.EXTRA_SIGNED)
    signer.add_frozen(dkim.OVERSIGNED)
    return signer.sign(
        selector.encode(), DOMAIN.encode(), key_pem, canonicalize=(b"relaxed", b"relaxed")
    )


LIST_MAIL = MESSAGE.replace(
    b"To: claire.martin@exemple.org\r\n",
    b"To: claire.martin@exemple.org\r\n"
    b"Reply-To: <reply+abc@lists.intercoop.test>\r\n"
    b"References: <post-1@lists.intercoop.test>\r\n  <post-2@lists.intercoop.test>\r\n"
    b"Auto-Submitted: auto-generated\r\nPrecedence: list\r\n",
).replace(
    b"Bonjour =C3=A0 toutes et =C3=A0 tous.\r\n",
    b"Bonjour   =C3=A0 toutes \t et tous.  \r\n\r\n-- \r\nPied de page\r\n\r\n\r\n",
)


@pytest.mark.parametrize("message", [MESSAGE, LIST_MAIL], ids=["digest", "list-mail"])
def test_the_signature_is_the_one_dkimpy_makes(keygen, settings, monkeypatch, message):
    # The fast signer is dkimpy's signature made by OpenSSL: same headers chosen,
    # same canonical forms, same folding, hence the very same bytes.
    path, name, value, _output = keygen()
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    theirs = dkimpy_signature(message, path.read_bytes(), "intercoop2007", monkeypatch, 1183611600)
    ours = dkim.sign_message(message)  # time.time() is dkimpy's "now" too
    assert ours == theirs + message
    assert dkimpy.verify(ours, dnsfunc=dns_returning(name, value))


@pytest.mark.django_db
def test_a_post_mailed_to_its_followers_verifies(keygen, settings):
    # A real post's copies, as the sender hands them to the relay.
    from forum import services
    from mailbridge.outbound.message import post_message_build
    from mailbridge.outbound.recipients import post_recipients
    from mailbridge.tests.outbound.factories import make_board, make_member

    _path, name, value, _output = keygen()
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    board = make_board()
    author = make_member(board, display_name="Autrice")
    make_member(board, email="membre@exemple.org")
    make_member(board, email="member@example.org", language="en")
    thread = services.thread_create(
        board=board, author=author, title="Fil  à   suivre", body="Texte.  \n\n\n"
    )
    post = thread.posts.get()
    built = post_message_build(post)
    copies = [built.for_recipient(person) for person in post_recipients(post=post)]
    assert len(copies) == 2
    for copy in copies:
        signed = dkim.sign_message(copy)
        assert dkimpy.verify(signed, dnsfunc=dns_returning(name, value))
        header = signed.split(b"\r\n\r\n")[0].decode().replace("\r\n", "")
        names = re.search(r"h=([^;]+);", header).group(1).replace(" ", "").split(":")
        assert names.count("list-unsubscribe") == 2
        assert names.count("list-unsubscribe-post") == 2


def test_a_signature_costs_a_fraction_of_pure_python_rsa(keygen, settings):
    # dkimpy's RSA in Python costs 7-10 ms of CPU a signature (a 2,048-bit key);
    # OpenSSL's, through `cryptography`, under one. CPU time, not wall time: the
    # machine's other work does not count.
    keygen()
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    dkim.sign_message(MESSAGE)  # the key is read and parsed once
    costs = []
    for _ in range(21):
        started = time.process_time()
        dkim.sign_message(MESSAGE)
        costs.append(time.process_time() - started)
    assert statistics.median(costs) < 0.004


blanks_and_lines = st.lists(
    st.sampled_from([b" ", b"\t", b"  ", b"\r\n", b"a", b"=C3=A0", b"-- ", b"\r\n\r\n"]),
    max_size=40,
).map(b"".join)


@given(body=blanks_and_lines)
def test_the_canonical_body_is_dkimpys(body):
    assert dkim_signer.relaxed_body(body) == Relaxed.canonicalize_body(body)


@given(value=blanks_and_lines)
def test_a_canonical_header_is_dkimpys(value):
    value = b" x" + value.replace(b"\r\n", b"\r\n ")
    [(name, canonical)] = Relaxed.canonicalize_headers([(b"Subject", value)])
    assert dkim_signer.relaxed_header(b"Subject", value) == name + b":" + canonical.rstrip(b"\r\n")


def test_headers_are_taken_from_the_bottom_up_each_once():
    fields = [(b"From", b"a"), (b"To", b"b"), (b"from", b"c"), (b"Subject", b"d")]
    names = (b"from", b"subject", b"to", b"from", b"from", b"cc")
    assert dkim_signer.chosen_headers(fields, names) == dkimpy.select_headers(fields, names)


def test_dual_signed_mail_verifies_with_ed25519_and_with_rsa(keygen, settings):
    """RFC 8463: an Ed25519 signature beside the RSA one, each verified by dkimpy
    against its own published record; a receiver that knows only RSA still has one."""
    _rsa_path, rsa_name, rsa_value, _out = keygen("intercoop2007")
    _ed_path, ed_name, ed_value, output = keygen("intercoop2007-ed", "--ed25519")
    assert "k=ed25519;" in ed_value and "INTERCOOP_DKIM_ED25519_SELECTOR" in output
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    settings.INTERCOOP_DKIM_ED25519_SELECTOR = "intercoop2007-ed"
    signed = dkim.sign_message(MESSAGE)
    assert signed.count(b"DKIM-Signature: ") == 2 and signed.endswith(MESSAGE)
    assert b"a=ed25519-sha256;" in signed.split(b"DKIM-Signature: ")[1]
    records = {rsa_name: rsa_value, ed_name: ed_value}

    def dnsfunc(domain, timeout=5):
        queried = domain.decode() if isinstance(domain, bytes) else domain
        value = records.get(queried.rstrip("."))
        return value.encode() if value else None

    def verifies(message: bytes, index: int) -> bool:
        try:
            return dkimpy.DKIM(message).verify(idx=index, dnsfunc=dnsfunc)
        except dkimpy.DKIMException:
            return False

    assert verifies(signed, 0)  # Ed25519
    assert verifies(signed, 1)  # RSA
    # Both cover the list headers, and both break when the message is changed.
    for header in signed.split(b"DKIM-Signature: ")[1:3]:
        assert b"list-unsubscribe-post" in header.split(b"h=")[1].split(b";")[0]
    tampered = signed.replace(b"Bonjour", b"Bonsoir")
    assert not verifies(tampered, 0) and not verifies(tampered, 1)


def test_ed25519_alone_signs_once(keygen, settings):
    _path, name, value, _out = keygen("intercoop2007-ed", "--ed25519")
    settings.INTERCOOP_DKIM_ED25519_SELECTOR = "intercoop2007-ed"
    signed = dkim.sign_message(MESSAGE)
    assert signed.count(b"DKIM-Signature: ") == 1
    assert dkimpy.verify(signed, dnsfunc=dns_returning(name, value))
