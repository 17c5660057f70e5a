"""Who sees what: the organisers' pages and export, roles nobody can give themselves, and
private sessions hidden from whoever is not registered."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from forum.models import Registration, RegistrationStatus, Role
from forum.tests.factories import make_network, make_registration, make_user
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db

ORGANISER_PAGES = ["/organisation/inscriptions/", "/organisation/inscriptions.csv"]
CSV_HEADER = [
    "Nom affiché",
    "Courriel",
    "Réseau",
    "Sessions",
    "Rôle",
    "Rôle demandé",
    "Statut",
    "Inscrit·e le",
    "Commentaire",
]


def signed_in(client, *, event, role=None, status=RegistrationStatus.CONFIRMED, **user):
    person = make_user(**user)
    if role is not None:
        make_registration(user=person, event=event, role=role, status=status)
    client.force_login(person)
    return person


def send_registration(client, chosen, *, requested_role=Role.PARTICIPANT, follow=False, **forged):
    """The registration form as a browser posts it: no network, the sessions `chosen`,
    every post by mail; `forged` adds fields the form does not have."""
    data = {
        "network": "",
        "sessions": [session.pk for session in chosen],
        "requested_role": requested_role,
        "mail_delivery": "each",
    }
    return client.post("/inscription/", {**data, **forged}, follow=follow)


def read_csv(response) -> list[list[str]]:
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark for spreadsheets"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# The organisers' pages.


@pytest.mark.parametrize("path", ORGANISER_PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, event, path):
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert path in location.query


@pytest.mark.parametrize("path", ORGANISER_PAGES)
@pytest.mark.parametrize(
    "role",
    [None, Role.PARTICIPANT, Role.FACILITATOR],
    ids=["not-registered", "participant", "facilitator"],
)
def test_a_person_who_is_not_an_organiser_gets_the_french_refusal_page(client, event, path, role):
    signed_in(client, event=event, role=role)
    response = client.get(path)
    assert response.status_code == 403
    text = page_text(response)
    assert "Accès refusé" in text
    assert "Cette page est réservée aux organisateurs." in text
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ORGANISER_PAGES)
def test_an_organiser_whose_registration_is_cancelled_is_refused(client, event, path):
    signed_in(client, event=event, role=Role.ORGANISER, status=RegistrationStatus.CANCELLED)
    assert client.get(path).status_code == 403


def test_an_organiser_sees_every_registration_and_the_pending_requests(client, event):
    signed_in(client, event=event, role=Role.ORGANISER, display_name="Odile Organisatrice")
    network = make_network("Fédération des Scop d'Île-de-France")
    asking = make_user("helene@exemple.org", display_name="Hélène Bérard")
    make_registration(user=asking, event=event, network=network, requested_role=Role.FACILITATOR)
    response = client.get("/organisation/inscriptions/")
    assert response.status_code == 200
    text = page_text(response)
    assert "2 personnes inscrites, 1 réseau" in text
    assert "Hélène Bérard" in text
    assert "helene@exemple.org" in text
    assert "Fédération des Scop d'Île-de-France" in text
    assert "participant·e (demande : animateur·rice)" in text
    assert "Télécharger en CSV (tableur)" in text


def test_the_home_page_links_the_organisers_space_for_organisers_only(client, event):
    assert "Espace organisateurs" not in page_text(client.get("/"))
    signed_in(client, event=event, role=Role.ORGANISER)
    assert "Espace organisateurs" in page_text(client.get("/"))


def test_the_organisers_export_is_a_csv_a_spreadsheet_opens_with_accents_intact(
    client, event, sessions
):
    signed_in(client, event=event, role=Role.ORGANISER, display_name="Odile")
    make_registration(
        user=make_user("francois@exemple.org", display_name="François Lefèvre-Chloé"),
        event=event,
        network=make_network("Réseau Économie Sociale et Solidaire"),
        sessions=[sessions[1], sessions[3]],
        comment="Je viendrai avec deux collègues ; « merci » !",
    )
    response = client.get("/organisation/inscriptions.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="intercoop-2007-inscriptions.csv"'
    )
    header, *rows = read_csv(response)
    assert header == CSV_HEADER
    assert len(rows) == 2
    francois = next(row for row in rows if row[1] == "francois@exemple.org")
    assert dict(zip(header, francois, strict=True)) | {"Inscrit·e le": ""} == {
        "Nom affiché": "François Lefèvre-Chloé",
        "Courriel": "francois@exemple.org",
        "Réseau": "Réseau Économie Sociale et Solidaire",
        "Sessions": "1 ; 3",
        "Rôle": "participant·e",
        "Rôle demandé": "participant·e",
        "Statut": "confirmée",
        "Inscrit·e le": "",
        "Commentaire": "Je viendrai avec deux collègues ; « merci » !",
    }


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_defused(client, event):
    signed_in(client, event=event, role=Role.ORGANISER)
    make_registration(
        user=make_user("malin@exemple.org", display_name='=HYPERLINK("http://x","y")'),
        event=event,
        comment="+33 1 23 45 67 89",
    )
    _header, *rows = read_csv(client.get("/organisation/inscriptions.csv"))
    row = next(row for row in rows if row[1] == "malin@exemple.org")
    assert row[0] == '\'=HYPERLINK("http://x","y")'
    assert row[-1] == "'+33 1 23 45 67 89"


def test_a_superuser_is_an_organiser(client, event):
    client.force_login(make_user(is_superuser=True))
    assert client.get("/organisation/inscriptions/").status_code == 200
    assert client.get("/organisation/inscriptions.csv").status_code == 200


# Roles are granted by organisers only.


def test_nobody_grants_themselves_a_role_by_adding_fields_to_the_form(client, event, sessions):
    person = signed_in(client, event=event)
    response = send_registration(
        client, [sessions[1]], role=Role.ORGANISER, status="confirmed", is_superuser="on"
    )
    assert response.status_code == 302
    registration = Registration.objects.get(user=person)
    assert registration.role == Role.PARTICIPANT
    person.refresh_from_db()
    assert not person.is_superuser and not person.is_staff
    assert client.get("/organisation/inscriptions/").status_code == 403


def test_nobody_can_request_the_organiser_role(client, event, sessions):
    person = signed_in(client, event=event)
    response = send_registration(client, [sessions[1]], requested_role=Role.ORGANISER)
    assert response.status_code == 200
    assert "Choisissez un rôle dans la liste." in page_text(response)
    assert not Registration.objects.filter(user=person).exists()


def test_changing_a_registration_keeps_the_role_organisers_granted(client, event, sessions):
    person = signed_in(client, event=event, role=Role.FACILITATOR)
    response = send_registration(client, [sessions[2]], follow=True)
    assert Registration.objects.get(user=person).role == Role.FACILITATOR
    text = page_text(response)
    assert "Rôle : animateur·rice" in text
    assert "en attente" not in text


def test_a_facilitator_finds_their_role_ticked_on_the_form(client, event):
    signed_in(client, event=event, role=Role.FACILITATOR)
    form = client.get("/inscription/").context["form"]
    assert form.initial["requested_role"] == Role.FACILITATOR


def test_an_organiser_editing_their_registration_stays_organiser_with_no_pending_request(
    client, event, sessions
):
    person = signed_in(client, event=event, role=Role.ORGANISER)
    form = client.get("/inscription/").context["form"]
    assert form.initial["requested_role"] == Role.PARTICIPANT
    response = send_registration(client, [sessions[1]], follow=True)
    assert "en attente" not in page_text(response)
    registration = Registration.objects.get(user=person)
    assert registration.role == Role.ORGANISER
    assert not registration.has_pending_request
    assert "(demande :" not in page_text(client.get("/organisation/inscriptions/"))


# Private sessions.


@pytest.fixture
def private_session(sessions):
    session = sessions[2]
    session.is_private = True
    session.save()
    return session


def api_slugs(client) -> list[str]:
    return [item["slug"] for item in json.loads(client.get("/api/sessions/").content)]


def ics_summaries(response) -> list[str]:
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return [str(component["summary"]) for component in calendar.walk("VEVENT")]


def assert_private_session_hidden(client, session):
    assert session.title not in page_text(client.get("/"))
    assert session.title not in page_text(client.get("/programme/"))
    response = client.get(session.get_absolute_url())
    assert response.status_code == 404
    assert "Page introuvable" in page_text(response)
    assert session.slug not in api_slugs(client)
    assert not any(session.title in s for s in ics_summaries(client.get("/programme.ics")))
    assert client.get(f"/sessions/{session.slug}.ics").status_code == 404


def assert_private_session_shown(client, session):
    assert session.title in page_text(client.get("/"))
    assert session.title in page_text(client.get("/programme/"))
    assert client.get(session.get_absolute_url()).status_code == 200
    assert session.slug in api_slugs(client)
    assert any(session.title in s for s in ics_summaries(client.get("/programme.ics")))
    assert ics_summaries(client.get(f"/sessions/{session.slug}.ics"))


def test_a_private_session_is_hidden_from_anonymous_visitors(client, private_session):
    assert_private_session_hidden(client, private_session)
    assert "travail-collaboratif" in api_slugs(client)


def test_a_private_session_is_hidden_from_a_person_not_registered(client, event, private_session):
    signed_in(client, event=event)
    assert_private_session_hidden(client, private_session)


def test_a_private_session_is_hidden_once_a_registration_is_cancelled(
    client, event, private_session
):
    signed_in(client, event=event, role=Role.PARTICIPANT, status=RegistrationStatus.CANCELLED)
    assert_private_session_hidden(client, private_session)


def test_a_private_session_is_shown_to_registered_people(client, event, private_session):
    signed_in(client, event=event, role=Role.PARTICIPANT)
    assert_private_session_shown(client, private_session)


def test_a_private_session_is_shown_to_a_superuser(client, event, private_session):
    client.force_login(make_user(is_superuser=True))
    assert_private_session_shown(client, private_session)


# The admin.


def test_the_admin_exports_the_selected_registrations_as_csv(client, event):
    client.force_login(make_user(is_superuser=True))
    chosen = make_registration(
        user=make_user("zoe@exemple.org", display_name="Zoé Müller"),
        event=event,
        network=make_network("Coopérative d'Activités"),
    )
    make_registration(user=make_user("autre@exemple.org"), event=event)
    response = client.post(
        "/admin/forum/registration/",
        {"action": "export_csv", "_selected_action": [chosen.pk], "index": 0},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = read_csv(response)
    assert header == CSV_HEADER
    assert [row[:3] for row in rows] == [
        ["Zoé Müller", "zoe@exemple.org", "Coopérative d'Activités"]
    ]


def test_the_admin_grants_the_requested_role(client, event):
    client.force_login(make_user(is_superuser=True))
    asking = make_registration(event=event, requested_role=Role.FACILITATOR)
    response = client.post(
        "/admin/forum/registration/",
        {"action": "grant_requested_role", "_selected_action": [asking.pk], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 inscription mise à jour." in page_text(response)
    asking.refresh_from_db()
    assert asking.role == Role.FACILITATOR


def test_the_admin_never_demotes_when_granting_requested_roles(client, event):
    client.force_login(make_user(is_superuser=True))
    organiser = make_registration(event=event, role=Role.ORGANISER, requested_role=Role.PARTICIPANT)
    asking = make_registration(event=event, requested_role=Role.FACILITATOR)
    response = client.post(
        "/admin/forum/registration/",
        {
            "action": "grant_requested_role",
            "_selected_action": [organiser.pk, asking.pk],
            "index": 0,
        },
        follow=True,
    )
    assert "1 inscription mise à jour." in page_text(response)
    organiser.refresh_from_db()
    asking.refresh_from_db()
    assert organiser.role == Role.ORGANISER
    assert asking.role == Role.FACILITATOR


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/forum/registration/",
        "/admin/forum/session/",
        "/admin/forum/network/",
        "/admin/forum/event/",
        "/admin/forum/profile/",
    ],
)
def test_the_admin_pages_open_for_a_superuser(client, event, path):
    make_registration(event=event, network=make_network())
    client.force_login(make_user(is_superuser=True))
    assert client.get(path).status_code == 200


def test_the_admin_is_closed_to_an_organiser_without_staff_status(client, event):
    signed_in(client, event=event, role=Role.ORGANISER)
    response = client.get("/admin/forum/registration/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/admin/login/"


def test_the_registration_form_offers_a_private_session_only_once_registered(
    client, event, sessions, private_session
):
    person = signed_in(client, event=event)
    assert private_session.title not in page_text(client.get("/inscription/"))
    forged = send_registration(client, [private_session])
    assert "Cette session n'existe pas." in page_text(forged)
    assert not Registration.objects.filter(user=person).exists()

    make_registration(user=person, event=event, sessions=[sessions[1]])
    assert private_session.title in page_text(client.get("/inscription/"))
    response = send_registration(client, [sessions[1], private_session])
    assert response.status_code == 302
    chosen = Registration.objects.get(user=person).sessions.all()
    assert [s.number for s in chosen] == [1, 2]


# board_rights: the thread page's one question for can_moderate and can_post.

PEOPLE = {
    "anonymous": None,
    "not registered": {},
    "participant": {"role": Role.PARTICIPANT},
    "cancelled participant": {"role": Role.PARTICIPANT, "status": RegistrationStatus.CANCELLED},
    "facilitator of the session": {"role": Role.FACILITATOR, "facilitates": True},
    "facilitator of another session": {"role": Role.FACILITATOR},
    "former facilitator": {
        "role": Role.FACILITATOR,
        "facilitates": True,
        "status": RegistrationStatus.CANCELLED,
    },
    "organiser": {"role": Role.ORGANISER},
    "cancelled organiser": {"role": Role.ORGANISER, "status": RegistrationStatus.CANCELLED},
    "superuser": {"is_superuser": True},
}


@pytest.mark.parametrize("board_kind", ["general", "public session", "private session"])
@pytest.mark.parametrize("person", list(PEOPLE))
def test_board_rights_answers_what_can_moderate_and_can_post_answer(
    event, sessions, board_kind, person
):
    from django.contrib.auth.models import AnonymousUser

    from forum.permissions import board_rights, can_moderate, can_post
    from forum.tests.board_factories import board_for, general_board

    session = sessions[1]
    if board_kind == "general":
        board = general_board(event)
    else:
        session.is_private = board_kind == "private session"
        session.save()
        board = board_for(session)
    traits = PEOPLE[person]
    if traits is None:
        user = AnonymousUser()
    else:
        traits = dict(traits)
        facilitates = traits.pop("facilitates", False)
        role = traits.pop("role", None)
        status = traits.pop("status", RegistrationStatus.CONFIRMED)
        user = make_user(**traits)
        if role is not None:
            make_registration(user=user, event=event, role=role, status=status)
        if facilitates:
            session.facilitator_users.add(user)
    rights = board_rights(user, board)
    assert (rights.moderate, rights.post) == (can_moderate(user, board), can_post(user, board))
