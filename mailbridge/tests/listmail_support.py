"""What the digest, recap, unsubscribe and bounce tests share: the settings they
run under, and reading a delivery as the message a mail client would receive."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from django.utils import translation

from mailbridge.outbound.payload_message import build_payload_message

SITE = "https://forum.intercoop.test"
DOMAIN = "lists.intercoop.test"


@pytest.fixture(autouse=True)
def list_mail_settings(settings):
    """Import into a test module (`from … import list_mail_settings`) to use."""
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    settings.INTERCOOP_SITE_URL = SITE
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    translation.activate("fr")
    yield
    translation.deactivate()


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def received(delivery) -> EmailMessage:
    """The message built for `delivery`, parsed as a mail client would."""
    return parse(build_payload_message(delivery))


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
