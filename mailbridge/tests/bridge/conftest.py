from __future__ import annotations

import pytest
from django.utils import translation

from mailbridge.tests.inbound.support import DOMAIN


@pytest.fixture(autouse=True)
def _import_settings(settings, tmp_path):
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    settings.INTERCOOP_SITE_URL = "https://forum.intercoop.test"
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path / "attachments"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    translation.activate("fr")
    yield
    translation.deactivate()
