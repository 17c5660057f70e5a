"""The gateway's and the pipeline's logs name no one's address, unless at DEBUG."""

from __future__ import annotations

import logging
import re

import pytest

from mailbridge.models import InboundStatus
from mailbridge.redaction import redact, redacted
from mailbridge.tests.inbound.factories import CLAIRE, Scene
from mailbridge.tests.inbound.support import DOMAIN

OUTSIDER = "marie.dupont@exemple.org"


def test_someone_elses_address_keeps_its_domain_and_a_digest_that_follows_it(settings):
    shown = redacted(OUTSIDER)
    assert re.fullmatch(r"m\*\*\*@exemple\.org#[0-9a-f]{8}", shown)
    assert "dupont" not in shown
    assert redacted("Marie.Dupont@Exemple.org").split("#")[1] == shown.split("#")[1]
    assert redacted("paul@exemple.org").split("#")[1] != shown.split("#")[1]
    settings.SECRET_KEY = "another key"
    assert redacted(OUTSIDER) != shown  # not a plain hash anyone can compute


def test_our_own_addresses_name_the_list_never_the_token(settings):
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    assert redacted(f"reply+12-34-abcdefabcdefabcd@{DOMAIN}") == f"reply+***@{DOMAIN}"
    assert redacted(f"atelier@{DOMAIN}") == f"atelier@{DOMAIN}"
    assert redacted(f"atelier+subscribe@{DOMAIN.upper()}") == f"atelier+***@{DOMAIN.upper()}"


def test_an_address_is_whole_only_for_a_logger_at_debug():
    logger = logging.getLogger("mailbridge.tests.redaction")
    logger.setLevel(logging.INFO)
    try:
        assert redact(OUTSIDER, logger).startswith("m***@exemple.org#")
        assert redact("", logger) == redact(None, logger) == "<>"
        assert redact("no-at-sign", logger).startswith("***#")
        logger.setLevel(logging.DEBUG)
        assert redact(OUTSIDER, logger) == OUTSIDER
    finally:
        logger.setLevel(logging.NOTSET)


def _refused_rcpt(gateway) -> None:
    client = gateway.client()
    try:
        client.mail(OUTSIDER)
        assert client.rcpt("travail-collaboratif@exemple.org")[0] == 550
    finally:
        client.quit()


@pytest.mark.parametrize(
    ("level", "whole"), [(logging.INFO, False), (logging.DEBUG, True)], ids=["info", "debug"]
)
def test_a_refused_recipient_is_logged_with_the_addresses_whole_only_at_debug(
    gateway, caplog, level, whole
):
    with caplog.at_level(level, logger="mailbridge"):
        _refused_rcpt(gateway)
    line = next(r.getMessage() for r in caplog.records if "RCPT refused" in r.getMessage())
    assert "unknown address" in line
    assert (OUTSIDER in line) is whole
    assert ("travail-collaboratif@exemple.org" in line) is whole
    if not whole:
        assert "m***@exemple.org#" in line and "t***@exemple.org#" in line


@pytest.mark.parametrize(
    ("level", "whole"), [(logging.INFO, False), (logging.DEBUG, True)], ids=["info", "debug"]
)
def test_the_pipeline_and_its_notice_log_the_sender_whole_only_at_debug(
    gateway, caplog, level, whole
):
    scene = Scene()
    with caplog.at_level(level, logger="mailbridge"):
        stored = gateway.send(
            scene.fixture("new_thread_gmail_fr.eml"),
            mail_from=CLAIRE,
            rcpt_tos=[scene.list_address],
        ).message()
    assert (stored.status, stored.reason) == (InboundStatus.HELD, "unknown_sender")
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name in ("mailbridge.inbound.processing", "mailbridge.inbound.notices")
    ]
    outcome = next(line for line in lines if line.startswith(f"inbound {stored.pk} from "))
    notice = next(line for line in lines if line.startswith("notice notice:unknown_sender:"))
    for line in (outcome, notice):
        assert (CLAIRE in line) is whole, line
        assert ("c***@gmail.com#" in line) is not whole, line
