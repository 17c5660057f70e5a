"""The DKIM key in the object store (INTERCOOP_S3_BUCKET): `dkim_keygen` puts it in
the bucket, every process signs with it, a rotated key is taken up without a restart."""

from __future__ import annotations

import io
import re

import dkim as dkimpy
import pytest
from django.core.management import CommandError, call_command

from mailbridge import dkim
from mailbridge.tests.listmail_support import list_mail_settings  # noqa: F401
from mailbridge.tests.test_dkim import MESSAGE, dns_returning


@pytest.fixture
def keygen(object_store, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # must stay empty: the key is in the bucket

    def run(*extra):
        out = io.StringIO()
        call_command("dkim_keygen", "--selector", "intercoop2007", *extra, stdout=out)
        record = re.search(r"^(\S+) IN TXT (.+)$", out.getvalue(), re.M)
        return record.group(1), "".join(re.findall(r'"([^"]*)"', record.group(2)))

    return run


def test_the_key_is_made_in_the_bucket_and_signs_verifiable_mail(
    keygen, object_store, settings, tmp_path
):
    name, value = keygen()
    key = object_store.objects()["dkim/intercoop2007.key"]
    assert key.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert not (tmp_path / "dkim").exists()
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    signed = dkim.sign_message(MESSAGE)
    assert dkimpy.verify(signed, dnsfunc=dns_returning(name, value))


def test_a_key_in_the_bucket_is_never_replaced_unless_told(keygen, object_store):
    keygen()
    first = object_store.objects()["dkim/intercoop2007.key"]
    with pytest.raises(CommandError, match="exists"):
        keygen()
    assert object_store.objects()["dkim/intercoop2007.key"] == first


def test_a_rotated_key_is_taken_up_without_a_restart(keygen, settings, monkeypatch):
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    old = keygen()
    assert dkimpy.verify(dkim.sign_message(MESSAGE), dnsfunc=dns_returning(*old))
    new = keygen("--force")
    monkeypatch.setattr(dkim, "STORED_KEY_RECHECK_SECONDS", 0)  # the minute has passed
    signed = dkim.sign_message(MESSAGE)
    assert dkimpy.verify(signed, dnsfunc=dns_returning(*new))
    assert not dkimpy.verify(signed, dnsfunc=dns_returning(*old))


def test_a_key_missing_from_the_bucket_is_the_operators_error(object_store, settings):
    settings.INTERCOOP_DKIM_SELECTOR = "absent"
    with pytest.raises(dkim.DkimConfigError, match="dkim_keygen"):
        dkim.sign_message(MESSAGE)
