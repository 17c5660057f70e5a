"""The library as readers meet it: the list and its filters, the French search (on
SQLite and on PostgreSQL), the Atom feed, the JSON API, the CSV export, the pages of
session 3 and of a network, and the seed that links it without inventing entries."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from forum.models import LibraryEntry, Session
from forum.seed.loader import programme_load
from forum.services.library import library_entry_hide
from forum.tests.library_factories import entry, pdf_upload
from forum.tests.network_factories import approved_network

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
TITLES = ("Animer des réseaux coopératifs", "Wiki de la coopération", "Carte des acteurs")


@pytest.fixture
def shelf(event, alice, organiser):
    """Three entries: two networks, tags and licences to narrow by."""
    tela = approved_network("Tela Botanica", organiser=organiser)
    fing = approved_network("Fing", organiser=organiser)
    return {
        "guide": entry(
            alice,
            "Animer des réseaux coopératifs",
            description="Un guide pour les animatrices et animateurs de **réseaux**.",
            networks=[tela],
            tag_names=["animation"],
            licence="CC-BY-SA-4.0",
        ),
        "wiki": entry(
            alice,
            "Wiki de la coopération",
            description="Un logiciel libre pour écrire ensemble.",
            networks=[fing, tela],
            tag_names=["wiki", "logiciel libre"],
            licence="AGPL-3.0-or-later",
        ),
        "carte": entry(
            alice,
            "Carte des acteurs",
            description="Une méthode de cartographie des partenaires d'un territoire.",
            tag_names=["cartographie"],
            licence="other",
            licence_other="Licence maison",
            url="",
            upload=pdf_upload("carte.pdf"),
        ),
        "tela": tela,
        "fing": fing,
    }


def _titles(client, **params) -> set[str]:
    page = client.get(reverse("forum:library"), params).content.decode()
    return {
        title
        for title in (
            "Animer des réseaux coopératifs",
            "Wiki de la coopération",
            "Carte des acteurs",
        )
        if escape(title) in page
    }


def test_the_list_is_narrowed_by_tag_network_and_licence(client, shelf):
    everything = set(TITLES)
    assert _titles(client) == everything
    assert _titles(client, tag="wiki") == {"Wiki de la coopération"}
    assert _titles(client, network="tela-botanica") == {
        "Animer des réseaux coopératifs",
        "Wiki de la coopération",
    }
    assert _titles(client, network="fing", tag="animation") == set()
    assert _titles(client, licence="other") == {"Carte des acteurs"}
    # A licence that is not one is dropped, not an error.
    assert _titles(client, licence="<script>") == everything
    page = client.get(reverse("forum:library"), {"tag": "nulle-part"}).content.decode()
    assert "Aucune fiche ne correspond à ces critères." in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("réseau", {"Animer des réseaux coopératifs"}),  # the plural found
        ("wiki", {"Wiki de la coopération"}),
        ("logiciel libre", {"Wiki de la coopération"}),  # found in the description
        ("cartographie partenaires", {"Carte des acteurs"}),
        ("jardinage", set()),
    ],
)
def test_the_french_search_finds_entries(client, shelf, query, found):
    # Runs on SQLite (folded words) and, with DATABASE_URL, on PostgreSQL (French
    # full-text configuration).
    assert _titles(client, q=query) == found


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the folded search of SQLite")
def test_sqlite_search_ignores_accents(client, shelf):
    assert _titles(client, q="reseaux cooperatifs") == {"Animer des réseaux coopératifs"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="French stemming needs PostgreSQL")
def test_postgresql_search_finds_related_forms(client, shelf):
    assert _titles(client, q="animation") == {"Animer des réseaux coopératifs"}


def test_the_search_leaves_hidden_entries_out(client, shelf, organiser):
    library_entry_hide(entry=shelf["wiki"], moderator=organiser, hidden=True)
    assert _titles(client, q="wiki") == set()


def test_the_forum_search_finds_the_entry_discussion(client, shelf):
    page = client.get(reverse("forum:search"), {"q": "cartographie"}).content.decode()
    assert shelf["carte"].thread.get_absolute_url() in page


def test_the_atom_feed_gives_the_latest_entries(client, shelf, organiser):
    library_entry_hide(entry=shelf["guide"], moderator=organiser, hidden=True)
    response = client.get(reverse("forum:library_feed"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    items = root.findall(f"{ATOM}entry")
    titles = [item.find(f"{ATOM}title").text for item in items]
    assert titles == ["Carte des acteurs", "Wiki de la coopération"]
    carte = items[0]
    assert carte.find(f"{ATOM}link").get("href") == (
        "http://testserver" + shelf["carte"].get_absolute_url()
    )
    assert carte.find(f"{ATOM}author/{ATOM}name").text == "Alice Coopère"
    content = carte.find(f"{ATOM}content").text
    assert "cartographie des partenaires" in content and "Licence maison" in content
    assert "http://testserver" + shelf["carte"].file.get_absolute_url() in content
    categories = {c.get("term") for c in items[1].findall(f"{ATOM}category")}
    assert categories == {"wiki", "logiciel libre"}


def test_the_api_lists_entries_with_their_networks_tags_and_licence(client, shelf, organiser):
    library_entry_hide(entry=shelf["guide"], moderator=organiser, hidden=True)
    response = client.get("/api/library/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert [item["title"] for item in data] == ["Carte des acteurs", "Wiki de la coopération"]
    wiki = data[1]
    assert set(wiki) == {
        "id",
        "title",
        "description",
        "description_html",
        "link",
        "file",
        "networks",
        "tags",
        "licence",
        "proposed_by",
        "created_at",
        "updated_at",
        "url",
        "thread_url",
    }
    assert wiki["networks"] == [
        {"slug": "fing", "name": "Fing"},
        {"slug": "tela-botanica", "name": "Tela Botanica"},
    ]
    assert wiki["licence"] == {"code": "AGPL-3.0-or-later", "name": "GNU AGPL 3.0 ou ultérieure"}
    assert wiki["link"] == "https://exemple.org/guide" and wiki["file"] is None
    assert wiki["proposed_by"] == "Alice Coopère"
    assert wiki["thread_url"] == "http://testserver" + shelf["wiki"].thread.get_absolute_url()
    carte = data[0]
    assert carte["file"]["name"] == "carte.pdf"
    assert carte["file"]["content_type"] == "application/pdf"
    assert carte["licence"] == {"code": "other", "name": "Licence maison"}
    assert "@" not in response.content.decode().replace("\\u0040", "")
    # Narrowed as the page is; one entry; a hidden or unknown one is a JSON 404.
    assert [i["title"] for i in client.get("/api/library/", {"tag": "wiki"}).json()] == [
        "Wiki de la coopération"
    ]
    assert client.get(f"/api/library/{shelf['wiki'].pk}/").json()["id"] == shelf["wiki"].pk
    for missing in (shelf["guide"].pk, 999999, "abc"):
        answer = client.get(f"/api/library/{missing}/")
        assert answer.status_code == 404 and answer.json() == {"error": "Fiche introuvable."}
    assert client.post("/api/library/").status_code == 405


def test_the_csv_export_is_utf8_with_bom_and_safe_from_formulas(client, shelf, alice):
    entry(alice, '=HYPERLINK("http://x";"clic")', description="+1 pour ce modèle")
    response = client.get(reverse("forum:library_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="bibliotheque-intercoop.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Titre", "Description", "Lien"]
    by_title = {row[0]: row for row in rows[1:]}
    assert '\'=HYPERLINK("http://x";"clic")' in by_title
    assert by_title['\'=HYPERLINK("http://x";"clic")'][1] == "'+1 pour ce modèle"
    wiki = by_title["Wiki de la coopération"]
    assert wiki[4] == "Fing ; Tela Botanica" and wiki[6] == "GNU AGPL 3.0 ou ultérieure"
    assert by_title["Carte des acteurs"][3].endswith("/carte.pdf")
    narrowed = client.get(reverse("forum:library_csv"), {"network": "fing"})
    assert len(list(csv.reader(io.StringIO(narrowed.content.decode("utf-8-sig"))))) == 2


def test_a_network_page_lists_the_entries_it_uses(client, shelf):
    page = client.get(shelf["fing"].get_absolute_url()).content.decode()
    assert escape("Wiki de la coopération") in page
    assert escape("Animer des réseaux coopératifs") not in page


def test_session_three_presents_the_library_with_its_latest_entries(client, sessions, shelf):
    page = client.get(sessions[3].get_absolute_url()).content.decode()
    assert 'data-testid="session-library"' in page
    assert reverse("forum:library") in page
    assert escape("Wiki de la coopération") in page
    other = client.get(sessions[1].get_absolute_url()).content.decode()
    assert 'data-testid="session-library"' not in other


def test_the_seed_links_session_three_to_the_library_and_invents_no_entry(client, event):
    session = Session.objects.get(slug="reseaux-cooperatifs")
    assert session.shows_library
    assert list(Session.objects.filter(shows_library=True)) == [session]
    assert not LibraryEntry.objects.exists()
    page = client.get(session.get_absolute_url()).content.decode()
    assert f'href="{reverse("forum:library")}"' in page
    assert "Ouvrir la bibliothèque" in page
    assert programme_load()["updated"] == 0  # loading again changes nothing
    empty = client.get(reverse("forum:library")).content.decode()
    assert "La bibliothèque est encore vide" in empty


def test_the_library_pages_read_in_english(client, shelf):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get(reverse("forum:library"), **headers).content.decode()
    assert "Library of tools and methods" in page and "All tags" in page
    detail = client.get(shelf["wiki"].get_absolute_url(), **headers).content.decode()
    assert "Networks that use it" in detail and "GNU AGPL 3.0 or later" in detail


def test_unknown_and_forged_entry_ids_are_not_found(client, shelf):
    for pk in (999999, 99999999999999999999):
        assert client.get(f"/bibliotheque/{pk}/").status_code == 404
        assert client.get(f"/api/library/{pk}/").status_code == 404
