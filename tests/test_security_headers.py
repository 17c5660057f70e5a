"""Every HTML page carries a Content-Security-Policy and a Permissions-Policy (HSTS when
the site is https), and none holds an inline script, style or event handler, which
that policy would block: the site's pages are walked by following their links, as an
anonymous visitor, a participant and an organiser, and every template is read."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from config.security_headers import CONTENT_SECURITY_POLICY
from forum.models import Event, Role
from forum.seed.loader import programme_load
from forum.services.questionnaires import questionnaire_open
from forum.tests.board_factories import (
    board_for,
    general_board,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_registration, make_user

ROOT = Path(__file__).resolve().parent.parent
# Data blocks (json_script) are not run: the policy does not apply to them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# The pages a walk must reach: a walk that misses one (a link renamed) would prove nothing.
PAGE_TYPES = {
    "forum:home",
    "forum:programme",
    "forum:boards",
    "forum:board",
    "forum:thread",
    "forum:session",
    "forum:search",
    "forum:registration",
    "realtime:session_live",
    "account_login",
    "account_signup",
    "admin:index",
}
PER_PAGE_TYPE = 1
PAGES_AT_MOST = 400


class InlineFinder(HTMLParser):
    """What in a page the policy would block: inline scripts and styles, style
    attributes, event handler attributes, javascript: links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            elif name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            elif name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script" and "src" not in values:
            kind = (values.get("type") or "").lower()
            if kind not in DATA_SCRIPT_TYPES:
                self._script = kind
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])

    def handle_data(self, data):
        if self._script is not None and data.strip():
            self.problems.append(f"<script>{data.strip()[:60]}…")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def _read(html: str) -> InlineFinder:
    finder = InlineFinder()
    finder.feed(html)
    return finder


def _page_type(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _walk(client: Client, start: list[str]) -> tuple[dict[str, str], set[str]]:
    """Follows the site's links from `start`: {url: problem} and the page types seen."""
    problems: dict[str, str] = {}
    seen_types: dict[str, int] = {}
    queue, visited = list(start), set()
    while queue and len(visited) < PAGES_AT_MOST:
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        page_type = _page_type(urlsplit(url).path)
        if page_type is None or seen_types.get(page_type, 0) >= PER_PAGE_TYPE:
            continue
        seen_types[page_type] = seen_types.get(page_type, 0) + 1
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        if response.get("Content-Security-Policy") != CONTENT_SECURITY_POLICY:
            problems[url] = "no Content-Security-Policy"
        if not response.get("Permissions-Policy"):
            problems[url] = "no Permissions-Policy"
        finder = _read(response.content.decode())
        if finder.problems:
            problems[url] = "; ".join(finder.problems)
        for href in finder.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(settings.STATIC_URL) or href in visited:
                continue
            queue.append(href)
    return problems, set(seen_types)


@pytest.fixture
def world(db):
    programme_load()
    event = Event.objects.get(slug="intercoop-2007")
    sessions = {s.number: s for s in event.sessions.order_by("number")}
    alice = make_participant(event, display_name="Alice Coopère")
    organiser = make_user(display_name="Organisatrice", is_superuser=True)
    make_registration(user=organiser, event=event, role=Role.ORGANISER)
    thread = make_thread(board_for(sessions[1]), author=alice, title="Les outils partagés")
    reply(thread, author=organiser, body="Une réponse **en gras**.")
    make_thread(general_board(event), author=alice, title="Bienvenue")
    make_private(sessions[3])
    make_thread(board_for(sessions[3]), author=alice, title="Entre nous")
    questionnaire = sessions[1].questionnaire
    questionnaire.closes_at = timezone.now() + timedelta(days=30)
    questionnaire.save(update_fields=["closes_at"])
    questionnaire_open(questionnaire=questionnaire, actor=organiser)
    return {"alice": alice, "organiser": organiser}


@pytest.mark.parametrize("who", ["anonymous", "alice", "organiser"])
def test_every_page_has_the_headers_and_nothing_inline(world, who):
    client = Client()
    if who != "anonymous":
        client.force_login(world[who])
    start = ["/", "/programme/", "/forums/", "/recherche/?q=outils", "/accounts/login/"]
    start += ["/accounts/signup/", "/admin/"] if who == "organiser" else []
    problems, seen = _walk(client, start)
    assert problems == {}
    if who == "organiser":
        assert PAGE_TYPES - seen == set()


def test_error_pages_have_the_headers_and_nothing_inline(world):
    client = Client(enforce_csrf_checks=True)
    for response in (
        client.get("/ce-chemin-n-existe-pas/"),
        client.post("/i18n/setlang/", {"language": "en"}),  # no CSRF token: 403
    ):
        assert response.status_code in (403, 404)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert _read(response.content.decode()).problems == []


def test_hsts_only_when_the_site_is_served_over_https(world, settings):
    assert "Strict-Transport-Security" not in Client().get("/")
    settings.INTERCOOP_SITE_URL = "https://intercoop.example.org"
    settings.ALLOWED_HOSTS = ["*"]
    response = Client().get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=")


INLINE_IN_TEMPLATE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I), "<script>"),
    (re.compile(r"<style[\s>]", re.I), "<style>"),
    (re.compile(r"\sstyle\s*=", re.I), "style="),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…="),
]


def _page_templates() -> list[Path]:
    """Every template of the site's pages (mails are not pages: their HTML needs inline
    styles, as mail clients read no style sheet)."""
    found = []
    for folder in ("templates", "forum/templates", "mailbridge/templates", "realtime/templates"):
        for path in sorted((ROOT / folder).rglob("*.html")):
            if "mail" not in path.relative_to(ROOT / folder).parts[:1]:
                found.append(path)
    return found


def test_no_template_holds_an_inline_script_or_style():
    problems = {
        str(path.relative_to(ROOT)): what
        for path in _page_templates()
        for pattern, what in INLINE_IN_TEMPLATE
        if pattern.search(path.read_text())
    }
    assert len(_page_templates()) > 30
    assert problems == {}
