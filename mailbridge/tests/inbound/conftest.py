from __future__ import annotations

import pytest
from django.utils import translation

from config.celery import app
from mailbridge.tests.inbound.support import DOMAIN, RunningGateway


@pytest.fixture(autouse=True)
def _inbound_settings(settings, tmp_path):
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    settings.INTERCOOP_SITE_URL = "https://forum.intercoop.test"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path / "attachments"
    settings.INTERCOOP_TRUSTED_AUTHSERV_IDS = []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    translation.activate("fr")
    yield
    translation.deactivate()


@pytest.fixture
def eager_celery():
    """Tasks run where they are sent, as a worker would run them."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def gateway(transactional_db, eager_celery):
    running = RunningGateway()
    try:
        yield running
    finally:
        running.close()
