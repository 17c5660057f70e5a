"""`make screenshots`: the home page, a board, a thread, a session's live page and a
search, in French and English, on a laptop and a phone, as PNG files in
docs/screenshots/ (the README links them), so that anyone can see the product
without running it.

Run by pytest on a throw-away database (the seeded programme, a few people, threads
and posts), through Debian's chromium; each picture is the first screen, reduced to
a palette of 128 colours (Pillow) to stay small. Not collected by the test suite
(its name is no test_*); the Makefile names it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.conf import settings

from forum.models import Event, Profile, SessionState
from forum.seed.loader import programme_load
from forum.tests.board_factories import board_for, make_participant, make_thread, reply
from forum.tests.factories import make_network

CHROMIUM = os.environ.get("INTERCOOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEVICES = {
    "laptop": {"viewport": {"width": 1366, "height": 768}, "is_mobile": False},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
}
LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}
OUT = Path(settings.BASE_DIR) / "docs" / "screenshots"

pytestmark = pytest.mark.django_db(transaction=True)


def _content():
    """The seeded programme with a conversation in the first session's board."""
    programme_load()
    event = Event.objects.get(slug="intercoop-2007")
    session = event.sessions.order_by("number").first()
    session.state = SessionState.LIVE
    session.save()
    board = board_for(session)
    cigales = make_network("Réseau des Cigales")
    alice = make_participant(event, display_name="Alice Coopère")
    bruno = make_participant(event, display_name="Bruno Mutuelle")
    Profile.objects.filter(user=alice).update(network=cigales)
    thread = make_thread(
        board,
        author=alice,
        title="Les outils partagés de nos réseaux",
        body="Quels **outils** utilisez-vous pour travailler à plusieurs réseaux ?",
    )
    reply(thread, author=bruno, body="Un wiki pour les comptes rendus, une liste pour le reste.")
    reply(thread, author=alice, body="Le wiki nous a aussi servi à préparer ces journées.")
    make_thread(board, author=bruno, title="Covoiturage vers Lyon", body="Qui part de Paris ?")
    return {
        "home": "/",
        "board": board.get_absolute_url(),
        "thread": thread.get_absolute_url(),
        "live": f"/sessions/{session.slug}/live/",
        "search": "/recherche/?q=wiki",
    }


def _small_png(data: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        reduced = image.convert("RGB").quantize(colors=128)
        out = io.BytesIO()
        reduced.save(out, format="PNG", optimize=True)
        return out.getvalue()


def test_screenshots(live_server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    pages = _content()
    OUT.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language, locale in LANGUAGES.items():
            for device, options in DEVICES.items():
                context = browser.new_context(locale=locale, **options)
                page = context.new_page()
                for name, path in pages.items():
                    page.goto(live_server.url + path)
                    page.wait_for_load_state("load")
                    png = page.screenshot(animations="disabled", caret="hide")
                    (OUT / f"{name}-{language}-{device}.png").write_bytes(_small_png(png))
                context.close()
        browser.close()
    assert len(list(OUT.glob("*.png"))) >= len(pages) * len(LANGUAGES) * len(DEVICES)
