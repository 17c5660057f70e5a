"""Slots: the places of the forum's pages where mailbridge and realtime add what they
show, without the forum naming either."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template import TemplateSyntaxError, engines
from django.test import Client

from forum import page_cache, slots
from forum.tests.board_factories import reply

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_registry(monkeypatch):
    """The pieces the apps registered, given back as they were after the test."""
    monkeypatch.setattr(
        slots, "_registered", {name: list(pieces) for name, pieces in slots._registered.items()}
    )
    monkeypatch.setattr(slots, "_resolved", {})
    return slots._registered


@pytest.fixture
def piece_templates(settings):
    """The project's template settings, with templates of the test's own in front."""
    templates = copy.deepcopy(django_settings.TEMPLATES)
    templates[0]["APP_DIRS"] = False
    templates[0]["OPTIONS"]["loaders"] = [
        (
            "django.template.loaders.locmem.Loader",
            {
                "tests/hello.html": "<p>Bonjour {{ who }}</p>{% url 'forum:home' as home %}",
                "tests/other.html": "<p>Autre</p>",
            },
        ),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = templates
    return engines["django"]


PAGE = '{% load forum_extras %}[{% slot "board.end" %}]{{ home|default:"no home" }}'


def test_a_template_naming_an_unknown_slot_fails_when_it_is_compiled():
    with pytest.raises(TemplateSyntaxError, match="unknown slot 'thread.nowhere'"):
        engines["django"].from_string('{% load forum_extras %}{% slot "thread.nowhere" %}')


def test_a_slot_name_must_be_one_quoted_string():
    for tag in ("{% slot board.end %}", '{% slot "board.end" "thread.end" %}', "{% slot %}"):
        with pytest.raises(TemplateSyntaxError, match="one quoted slot name"):
            engines["django"].from_string("{% load forum_extras %}" + tag)


def test_an_app_registering_for_an_unknown_slot_fails(own_registry):
    with pytest.raises(LookupError, match="unknown slot 'thread.nowhere'"):
        slots.slot_register("thread.nowhere", "tests/hello.html")


def test_pieces_render_in_order_with_the_page_context(own_registry, piece_templates):
    own_registry["board.end"].clear()
    slots.slot_register("board.end", "tests/hello.html", order=200)
    slots.slot_register("board.end", lambda context: f"<p>{context['who'].upper()}</p>", order=50)
    slots.slot_register("board.end", "tests/hello.html")  # again: keeps its place

    html = piece_templates.from_string(PAGE).render({"who": "Alice"})

    # What a piece sets ({% url … as home %}) stays in the piece, as with {% include %}.
    assert html == "[<p>ALICE</p><p>Bonjour Alice</p>]no home"


def test_a_slot_looks_its_templates_up_once(own_registry, piece_templates, monkeypatch):
    own_registry["board.end"].clear()
    slots.slot_register("board.end", "tests/hello.html")
    engine = piece_templates.engine
    looked_up = []
    get_template = engine.get_template
    monkeypatch.setattr(
        engine, "get_template", lambda name: looked_up.append(name) or get_template(name)
    )
    page = piece_templates.from_string(PAGE)
    for who in ("Alice", "Bruno", "Chloé"):
        assert f"Bonjour {who}" in page.render({"who": who})
    assert looked_up == ["tests/hello.html"]

    slots.slot_register("board.end", "tests/other.html")
    assert page.render({"who": "Alice"}) == "[<p>Bonjour Alice</p><p>Autre</p>]no home"
    assert looked_up == ["tests/hello.html", "tests/hello.html", "tests/other.html"]


def test_the_forum_renders_its_pages_alone_when_no_app_fills_its_slots(
    own_registry, thread, alice, organiser
):
    reply(thread, author=organiser, body="Arrivé par courriel.", source="email")
    reader = Client()
    reader.force_login(alice)
    with_apps = reader.get(thread.get_absolute_url()).content.decode()
    assert "data-live-url" in with_apps and "Afficher le message entier" in with_apps
    assert "Mes abonnements" in with_apps

    for pieces in own_registry.values():
        pieces.clear()
    slots._resolved.clear()
    page_cache.forget_all()  # the page and its posts as rendered with the pieces
    alone = reader.get(thread.get_absolute_url())
    assert alone.status_code == 200
    text = alone.content.decode()
    assert "data-live-url" not in text and "Afficher le message entier" not in text
    assert "Mes abonnements" not in text and "Se déconnecter" in text


def test_the_forum_and_the_site_templates_name_nothing_of_mailbridge_or_realtime():
    folders = [ROOT / "forum" / "templates", ROOT / "templates"]
    naming = [
        str(path.relative_to(ROOT))
        for folder in folders
        for path in folder.rglob("*.html")
        if "mailbridge" in path.read_text() or "realtime" in path.read_text()
    ]
    assert naming == []
