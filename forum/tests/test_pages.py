"""The public pages as a visitor reads them: the preparation page, a session, the printable
programme, the error pages; in French by default and in English on request."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from forum.models import SessionState
from forum.tests.factories import make_network, make_registration, make_user
from forum.tests.reading import elements, page_text

pytestmark = pytest.mark.django_db


def session_titles(sessions):
    return [sessions[number].title for number in (1, 2, 3)]


# The preparation page.


def test_the_home_page_presents_the_meeting(client, event):
    text = page_text(client.get("/"))
    assert "Page de préparation" in text
    assert "Intercoop 2007 — journées d'été" in text
    assert "Du 4 juillet au 6 juillet 2007" in text
    assert "Présentation" in text
    assert "Le contexte" in text
    assert "Trois questions" in text
    assert "Comment animer ses relations directes avec les usagers, les adhérents ?" in text


def test_the_home_page_lists_the_three_sessions_in_order(client, sessions):
    text = page_text(client.get("/"))
    positions = [text.index(title) for title in session_titles(sessions)]
    assert positions == sorted(positions)
    assert "mercredi 4 juillet 2007" in text
    assert "vendredi 6 juillet 2007" in text


def test_a_visitor_is_invited_to_register_through_sign_up(client, event):
    response = client.get("/")
    assert "Je m'inscris aux journées" in page_text(response)
    links = [attrs.get("href") for tag, attrs in elements(response) if tag == "a"]
    assert "/accounts/signup/" in links


def test_a_signed_in_person_is_invited_straight_to_the_registration_form(client, event):
    client.force_login(make_user())
    response = client.get("/")
    links = [
        attrs.get("href")
        for tag, attrs in elements(response)
        if tag == "a" and "button" in (attrs.get("class") or "")
    ]
    assert links == ["/inscription/"]


def test_a_registered_person_is_told_so_on_the_home_page(client, event):
    person = make_user()
    make_registration(user=person, event=event)
    client.force_login(person)
    text = page_text(client.get("/"))
    assert "Vous êtes inscrit·e." in text
    assert "Je m'inscris aux journées" not in text


def test_before_anyone_registers_the_page_counts_nobody_and_invites_networks(client, event):
    text = page_text(client.get("/"))
    assert "0 personne inscrite, 0 réseau" in text
    assert "Aucun réseau inscrit pour l'instant : soyez le premier !" in text


def test_the_home_page_counts_people_and_networks_and_lists_the_networks(client, event):
    coop = make_network("Coopérative Écologie & Territoires", website="https://coop.example.org")
    other = make_network("Réseau des écoles coopératives")
    make_registration(event=event, network=coop)
    make_registration(event=event, network=coop)
    make_registration(event=event, network=other)
    make_registration(event=event, network=None)
    make_registration(event=event, network=make_network("Parti avant"), status="cancelled")
    response = client.get("/")
    text = page_text(response)
    assert "4 personnes inscrites, 2 réseaux" in text
    networks = text.split("Réseaux participants", 1)[1]
    assert "Coopérative Écologie & Territoires" in networks
    assert "Réseau des écoles coopératives" in networks
    assert "Parti avant" not in networks
    link = next(attrs for tag, attrs in elements(response) if attrs.get("href") == coop.website)
    assert "nofollow" in link["rel"]


# A session's page.


def test_the_first_session_page_shows_its_date_title_description_and_facilitator(client, sessions):
    response = client.get("/sessions/travail-collaboratif/")
    assert response.status_code == 200
    text = page_text(response)
    assert "mercredi 4 juillet 2007" in text
    assert sessions[1].title in text
    assert "Comprendre par soi-même ce qui se passe dans un groupe projet collaboratif" in text
    assert "groupe Intelligence collective de la Fing" in text
    assert "Jean-Michel Cornu" in text
    assert "à venir" in text
    assert "travail-collaboratif@lists.localhost" in text


def test_the_first_session_page_shows_the_questionnaire_then_the_testimony(client, sessions):
    text = page_text(client.get("/sessions/travail-collaboratif/"))
    questionnaire = text.index("Le questionnaire préalable")
    testimony = text.index("Un témoignage d'une page")
    assert questionnaire < testimony
    assert "questionnaire" in text[questionnaire:testimony]
    assert "témoignage" in text[testimony:]


def test_the_third_session_page_shows_its_two_parts(client, sessions):
    text = page_text(client.get("/sessions/reseaux-cooperatifs/"))
    assert "vendredi 6 juillet 2007" in text
    first = text.index("Premier temps : les organisations historiques de la coopération")
    second = text.index("Second temps : travailler en réseau, mutualiser")
    assert first < second
    assert "établir des passerelles" in text


def test_a_session_page_shows_its_state_as_it_changes(client, sessions):
    session = sessions[2]
    session.state = SessionState.LIVE
    session.save()
    assert "en cours" in page_text(client.get(session.get_absolute_url()))


def test_a_session_page_links_its_calendar_file(client, sessions):
    response = client.get("/sessions/pratiques-web2/")
    hrefs = [attrs.get("href") for tag, attrs in elements(response) if tag == "a"]
    assert "/sessions/pratiques-web2.ics" in hrefs


def test_an_unknown_session_gets_the_french_not_found_page(client, event):
    response = client.get("/sessions/session-inconnue/")
    assert response.status_code == 404
    text = page_text(response)
    assert "Page introuvable" in text
    assert "Retour à l'accueil" in text
    assert '<html lang="fr">' in response.content.decode()


def test_an_unknown_address_gets_the_french_not_found_page(client, event):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in page_text(response)


# The printable programme.


def test_the_printable_programme_holds_every_session_and_its_segments(client, sessions):
    response = client.get("/programme/")
    assert response.status_code == 200
    text = page_text(response)
    for title in session_titles(sessions):
        assert title in text
    assert "Le questionnaire préalable" in text
    assert "Second temps : travailler en réseau, mutualiser" in text
    assert "Jean-Michel Cornu" in text
    assert "Imprimer" in text


# What every page carries.


@pytest.mark.parametrize(
    "path", ["/", "/programme/", "/sessions/travail-collaboratif/", "/accounts/login/"]
)
def test_pages_load_their_stylesheet_and_scripts_from_the_site_itself(client, event, path):
    response = client.get(path)
    assert response.status_code == 200
    assets = [
        attrs.get("href") or attrs.get("src") or ""
        for tag, attrs in elements(response)
        if tag in ("link", "script")
    ]
    assert "/static/css/intercoop.css" in assets
    for asset in assets:
        assert not re.match(r"^(https?:)?//", asset), f"{asset} comes from another site"


def test_the_stylesheet_is_served(client, event):
    response = client.get("/static/css/intercoop.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_every_page_offers_the_language_switcher(client, event):
    response = client.get("/")
    forms = [attrs for tag, attrs in elements(response) if tag == "form"]
    assert any(form.get("action") == "/i18n/setlang/" for form in forms)
    options = [attrs.get("value") for tag, attrs in elements(response) if tag == "option"]
    assert {"fr", "en"} <= set(options)


def test_the_pages_are_french_by_default(client, event):
    html = client.get("/").content.decode()
    assert '<html lang="fr">' in html


# Script written into Markdown never runs.

HOSTILE_MARKDOWN = """
## Présentation piégée

<script>alert("presentation")</script>

<img src="x" onerror="alert('img')">

[un lien](javascript:alert('lien'))

![une image](https://example.org/x.png" onerror="alert('img2'))

<a href="#" onclick="alert('a')">clic</a>
"""


def assert_nothing_executable(response):
    for tag, attrs in elements(response):
        if tag == "script" and set(attrs) == {"src", "defer"}:
            assert attrs["src"].startswith(settings.STATIC_URL), attrs
            continue  # the site's own scripts (drafts.js on every page)
        assert tag not in ("script", "iframe", "object", "embed"), tag
        for name, value in attrs.items():
            if tag == "button" and name == "onclick":
                continue  # the site's own print button on the programme
            assert not name.startswith("on"), f"<{tag} {name}={value!r}>"
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)


def test_script_in_the_event_presentation_is_neutralised(client, event):
    event.presentation = HOSTILE_MARKDOWN
    event.save()
    response = client.get("/")
    assert response.status_code == 200
    assert "Présentation piégée" in page_text(response)
    assert_nothing_executable(response)


def test_script_in_a_session_description_and_segment_is_neutralised(client, sessions):
    session = sessions[1]
    session.description = HOSTILE_MARKDOWN
    session.save()
    segment = session.segments.first()
    segment.description = HOSTILE_MARKDOWN
    segment.save()
    assert_nothing_executable(client.get(session.get_absolute_url()))
    assert_nothing_executable(client.get("/programme/"))


def test_markup_in_plain_fields_is_shown_as_text(client, sessions):
    session = sessions[2]
    session.title = "<b>Titre</b> <script>alert(1)</script>"
    session.save()
    response = client.get(session.get_absolute_url())
    assert_nothing_executable(response)
    assert "<b>Titre</b> <script>alert(1)</script>" in page_text(response)


# In English.


def assert_english_home(response):
    html = response.content.decode()
    assert '<html lang="en">' in html
    text = page_text(response)
    assert "Preparation page" in text
    assert "Register for the summer days" in text
    assert "Sign in" in text
    assert "Participating networks" in text
    assert "About the meeting" in text
    assert "Page de préparation" not in text


def test_a_browser_asking_for_english_gets_the_home_page_in_english(client, event):
    assert_english_home(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))


def test_a_browser_asking_for_another_language_gets_french(client, event):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert '<html lang="fr">' in response.content.decode()
    assert "Page de préparation" in page_text(response)


def test_the_language_switcher_turns_the_site_to_english_and_back(client, event):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert_english_home(client.get("/"))

    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get("/").content.decode()


def test_the_language_switcher_ignores_a_foreign_next_address(client, event):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example.org/"}
    )
    assert response.status_code == 302
    assert "evil.example.org" not in response["Location"]


def test_an_unknown_language_keeps_french_and_no_error(client, event):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="fr">' in client.get("/").content.decode()


def test_form_messages_are_english_for_an_english_reader(client, sessions):
    client.force_login(make_user())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(
        "/inscription/",
        {"network": "", "requested_role": "participant", "mail_delivery": "each"},
    )
    assert "Choose at least one session." in page_text(response)


def test_the_error_pages_speak_english_to_an_english_reader(client, event):
    response = client.get("/sessions/inconnue/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert '<html lang="en">' in response.content.decode()
    assert "Page not found" in page_text(response)

    client.force_login(make_user())
    response = client.get("/organisation/inscriptions/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "Access denied" in page_text(response)
    assert "This page is for organisers only." in page_text(response)
