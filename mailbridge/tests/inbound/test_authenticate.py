"""authenticate: our upstream MTA's DMARC/DKIM/SPF verdicts hold forged mail."""

from __future__ import annotations

import pytest

from mailbridge.inbound.steps.authenticate import aligned, verdict
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene


def test_a_dmarc_failure_reported_by_our_trusted_mta_holds_the_message(gateway, settings):
    settings.INTERCOOP_TRUSTED_AUTHSERV_IDS = ["mx.intercoop.test"]
    scene = Scene()
    stored = gateway.send(
        scene.fixture("dmarc_fail.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.HELD, "authentication_failed")
    assert stored.post is None
    assert "mx.intercoop.test: dmarc=fail for exemple.coop" in stored.trail[-1]["detail"]
    # The From may be forged: its owner is not answered.
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTICE).exists()


def test_authentication_results_from_an_untrusted_server_are_ignored(gateway, settings):
    settings.INTERCOOP_TRUSTED_AUTHSERV_IDS = ["mx.other.test"]
    scene = Scene()
    stored = gateway.send(
        scene.fixture("dmarc_fail.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert stored.status == InboundStatus.POSTED
    assert "not trusted" in stored.trail[7]["detail"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("mx; dmarc=fail header.from=exemple.coop", "fail"),
        ("mx; dmarc=pass header.from=exemple.coop; dkim=fail header.d=exemple.coop", "pass"),
        ("mx; dkim=fail header.d=exemple.coop; spf=fail smtp.mailfrom=exemple.coop", "fail"),
        ("mx; dkim=fail header.d=exemple.coop; spf=pass smtp.mailfrom=bounce.exemple.coop", "pass"),
        ("mx; dkim=pass header.d=exemple.coop; spf=softfail smtp.mailfrom=exemple.coop", "pass"),
        ("mx; dkim=pass header.d=autre.example; spf=fail smtp.mailfrom=exemple.coop", "fail"),
        ("mx; spf=none smtp.mailfrom=exemple.coop", "none"),
        ("mx; none", "none"),
    ],
)
def test_the_verdict_on_the_from_domain(header, expected):
    assert verdict(header, "exemple.coop")[0] == expected


def test_relaxed_alignment():
    assert aligned("mail.exemple.coop", "exemple.coop")
    assert aligned("@exemple.coop", "exemple.coop")
    assert not aligned("exemple.coop.evil.example", "exemple.coop")
