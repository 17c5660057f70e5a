"""The baseline of bench/web.py: a minimal Django application.

One view answering a 170-byte HTML page; no middleware, no database, no template, no
app installed. It is its own settings module (DJANGO_SETTINGS_MODULE=bench.minimal_site)
and URL conf, and is served by the same ASGI server as `intercoop web`
(config.cli.serve_asgi), in a process of its own:

    python bench/web.py --role minimal --port 8001
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "bench-minimal-site-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True

PAGE = (
    b'<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
    b"<title>Intercoop</title></head>\n<body><p>Une page minimale, servie par Django."
    b"</p></body></html>\n"
).ljust(170, b" ")
assert len(PAGE) == 170


def page(request):
    return HttpResponse(PAGE)


urlpatterns = [path("", page)]


def application():
    """The ASGI application (a factory: Django is set up when the server calls it)."""
    from django.core.asgi import get_asgi_application

    return get_asgi_application()
