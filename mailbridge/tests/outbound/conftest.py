from __future__ import annotations

import pytest
from django.utils import translation

from mailbridge.tests.sink import SinkHandler, SmtpSink


@pytest.fixture(autouse=True)
def _french_and_mail_domain(settings):
    settings.INTERCOOP_MAIL_DOMAIN = "lists.intercoop.test"
    settings.INTERCOOP_SITE_URL = "https://forum.intercoop.test"
    # The factories sign people up with a password: hash it fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    translation.activate("fr")
    yield
    translation.deactivate()


def relay_settings(settings, port: int) -> None:
    """Point the outbox at an SMTP relay on 127.0.0.1:`port`, as EMAIL_URL=smtp://… does."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def sink(settings):
    """A real SMTP server on a free port, and the outbox pointed at it."""
    with SmtpSink(SinkHandler()) as server:
        relay_settings(settings, server.port)
        yield server
