"""The Django site row, which allauth's mails name and link to."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection


def site_sync() -> None:
    """Name the Django site after the product and give it the site URL's host and port,
    so allauth's mails say "Intercoop" and name the address the site is served at (the
    port of `intercoop run --port` included). Nothing to do before the migrations."""
    from django.contrib.sites.models import Site

    if Site._meta.db_table not in connection.introspection.table_names():
        return
    domain = urlsplit(settings.INTERCOOP_SITE_URL).netloc or "localhost"
    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": "Intercoop"}
    )
