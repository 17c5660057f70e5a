"""The URL patterns (config/urls.py and the apps'): the pages read most come first, since
Django tries the patterns in turn; no pattern answers for another's address, so that
their order changes nothing but the time it takes."""

from __future__ import annotations

import re

from django.urls import get_resolver, resolve
from django.urls.resolvers import URLResolver

SAMPLES = {"int": "7", "slug": "un-atelier", "str": "fichier.pdf", "path": "a/b"}


def _routes(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def test_every_address_reaches_its_own_view():
    checked = 0
    for route, pattern in _routes(get_resolver()):
        if route.startswith("admin/") or "(?P" in route or "^" in route:
            continue  # the admin's regular expressions, under a prefix of their own
        path = "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda match: SAMPLES[match[1] or "str"], route)
        match = resolve(path)
        assert (match.route, match.func) == (route, pattern.callback), path
        checked += 1
    assert checked > 100


def test_thread_and_board_pages_come_first():
    tried = [route for route, _ in _routes(get_resolver()) if not route.startswith("admin/")]
    first = tried.index("fils/<int:pk>/"), tried.index("forums/<slug:slug>/")
    # Before the forum's other pages (the home page first among them), and the pages of
    # mail and live sessions.
    assert max(first) < min(tried.index(route) for route in ("", "abonnements/"))
