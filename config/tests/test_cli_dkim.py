"""`intercoop dkim-keygen` writes the key under the data dir and prints its DNS record."""

import stat

import pytest
from django.conf import settings

from config.cli import main


@pytest.mark.django_db
def test_dkim_keygen_writes_a_private_key_and_prints_the_txt_record(capsys):
    assert main(["dkim-keygen", "--selector", "essai2026"]) == 0
    out = capsys.readouterr().out
    key = settings.DATA_DIR / "dkim" / "essai2026.key"
    assert key.exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert f"essai2026._domainkey.{settings.INTERCOOP_MAIL_DOMAIN}" in out
    assert "v=DKIM1; k=rsa; p=" in out
