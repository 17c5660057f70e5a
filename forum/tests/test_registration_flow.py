"""The whole path of a newcomer: sign up, confirm the address from the mail, register to
the summer days, change, cancel and come back; plus the account pages around it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from forum.models import Network, Profile, Registration, RegistrationStatus, Role
from forum.tests.factories import PASSWORD, make_network, make_user
from forum.tests.reading import body_of, link_in, outbox_messages, page_text

pytestmark = pytest.mark.django_db

EMAIL = "claire.dupont@exemple.org"


@pytest.fixture
def outbox(settings, tmp_path):
    """Outgoing mail written as .eml files, as in the embedded run."""
    settings.EMAIL_BACKEND = "config.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    return tmp_path


def sign_up(client, email=EMAIL, display_name="Claire Dupont", password=PASSWORD):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "display_name": display_name,
            "password1": password,
            "password2": password,
        },
    )


def path_of(url: str) -> str:
    return urlsplit(url).path


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def confirm_from_mail(client, outbox) -> None:
    (message,) = outbox_messages(outbox)
    link = path_of(link_in(message, "/accounts/confirm-email/"))
    form = client.get(link)
    assert form.status_code == 200
    assert "Confirmer" in page_text(form)
    assert not is_logged_in(client), "a GET of the link must not confirm (CONFIRM_EMAIL_ON_GET)"
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/inscription/"


def register_form(**overrides):
    data = {
        "network": "",
        "new_network_name": "",
        "new_network_website": "",
        "requested_role": Role.PARTICIPANT,
        "mail_delivery": "each",
        "comment": "",
    }
    data.update(overrides)
    return data


def test_a_newcomer_signs_up_confirms_registers_changes_cancels_and_comes_back(
    client, outbox, event, sessions
):
    # Sign up: the verification mail is in French, with the site's prefix.
    response = sign_up(client)
    assert response.status_code == 302
    assert not is_logged_in(client)
    (message,) = outbox_messages(outbox)
    assert message["To"] == EMAIL
    assert message["Subject"].strip().startswith("[Intercoop] ")
    assert "Confirmez votre adresse" in message["Subject"]
    assert "Claire Dupont" in body_of(message)
    assert "claire.dupont a indiqué" not in body_of(message)
    assert Profile.objects.get(user__email=EMAIL).display_name == "Claire Dupont"

    # The link asks for a confirmation (GET), the button confirms and signs in (POST).
    confirm_from_mail(client, outbox)
    assert is_logged_in(client)

    # Register with a network that is not in the list yet, to sessions 1 and 3.
    response = client.get("/inscription/")
    assert response.status_code == 200
    assert "Un autre réseau…" in page_text(response)
    response = client.post(
        "/inscription/",
        register_form(
            network="new",
            new_network_name="Coopérative des Savoirs Partagés",
            new_network_website="https://savoirs.example.org",
            sessions=[sessions[1].pk, sessions[3].pk],
        ),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/inscription/"
    assert "Vous êtes inscrit·e. À bientôt !" in page_text(response)
    registration = Registration.objects.get(user__email=EMAIL)
    assert sorted(s.number for s in registration.sessions.all()) == [1, 3]
    assert registration.network.name == "Coopérative des Savoirs Partagés"
    assert registration.role == registration.requested_role == Role.PARTICIPANT

    home = page_text(client.get("/"))
    assert "1 personne inscrite" in home
    networks_section = home.split("Réseaux participants", 1)[1]
    assert "Coopérative des Savoirs Partagés" in networks_section

    # Change: another session set, an existing network, and ask to facilitate.
    existing = make_network("Réseau des écoles coopératives")
    response = client.post(
        "/inscription/",
        register_form(
            network=str(existing.pk),
            sessions=[sessions[2].pk],
            requested_role=Role.FACILITATOR,
        ),
        follow=True,
    )
    text = page_text(response)
    assert "Votre inscription a été modifiée." in text
    assert "Rôle : participant·e" in text
    assert "demande « animateur·rice » en attente des organisateurs" in text
    registration.refresh_from_db()
    assert registration.role == Role.PARTICIPANT
    assert registration.requested_role == Role.FACILITATOR
    assert registration.network == existing
    assert [s.number for s in registration.sessions.all()] == [2]

    # Cancel: nobody is registered any more.
    response = client.post("/inscription/annuler/", follow=True)
    assert "Votre inscription est annulée." in page_text(response)
    home = client.get("/")
    assert home.context["counts"] == {"people": 0, "networks": 0}
    assert re.search(r"\b0 personnes? inscrites?", page_text(home))
    assert "Réseau des écoles coopératives" not in page_text(home).split("Réseaux participants")[1]

    # Come back: the same row is reactivated, never a second one.
    client.post(
        "/inscription/",
        register_form(network=str(existing.pk), sessions=[sessions[1].pk]),
    )
    assert Registration.objects.filter(user__email=EMAIL).count() == 1
    again = Registration.objects.get(user__email=EMAIL)
    assert again.pk == registration.pk
    assert again.status == RegistrationStatus.CONFIRMED
    assert "1 personne inscrite" in page_text(client.get("/"))


def test_the_registration_page_asks_to_sign_in_first(client, event):
    response = client.get("/inscription/")
    assert response.status_code == 302
    assert path_of(response["Location"]) == reverse("account_login")


def test_signing_in_before_confirming_the_address_is_refused(client, outbox, event):
    sign_up(client)
    client.logout()
    response = client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert not is_logged_in(client)
    assert response.status_code == 302
    assert path_of(response["Location"]) == reverse("account_email_verification_sent")
    # Trying to sign in sends the link again (or says it was just sent); never a session.
    assert client.get("/inscription/").status_code == 302


def test_a_confirmed_person_signs_in_with_their_address(client, event):
    make_user(EMAIL)
    response = client.post("/accounts/login/", {"login": EMAIL.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert path_of(response["Location"]) == "/inscription/"
    assert is_logged_in(client)


def test_a_wrong_password_is_refused_in_french(client, event):
    make_user(EMAIL)
    response = client.post("/accounts/login/", {"login": EMAIL, "password": "pas-le-bon"})
    assert response.status_code == 200
    assert not is_logged_in(client)
    assert "incorrect" in page_text(response)


def test_the_password_reset_mail_carries_a_working_link(client, outbox, event):
    make_user(EMAIL)
    response = client.post("/accounts/password/reset/", {"email": EMAIL})
    assert response.status_code == 302
    (message,) = outbox_messages(outbox)
    assert message["To"] == EMAIL
    assert message["Subject"].strip().startswith("[Intercoop] ")
    assert "mot de passe" in message["Subject"].lower()

    link = path_of(link_in(message, "/accounts/password/reset/key/"))
    response = client.get(link)
    # allauth moves the key out of the URL into the session, then shows the form.
    assert response.status_code == 302
    set_password = response["Location"]
    response = client.get(set_password)
    assert response.status_code == 200
    new_password = "un-tout-nouveau-mot-de-passe"
    response = client.post(set_password, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302

    client.logout()
    client.post("/accounts/login/", {"login": EMAIL, "password": new_password})
    assert is_logged_in(client)


def test_signing_up_again_with_a_known_address_in_another_case_makes_no_second_account(
    client, outbox, event
):
    make_user(EMAIL, display_name="Claire Dupont")
    response = sign_up(client, email=EMAIL.upper(), display_name="Quelqu'un d'autre")
    # allauth does not say "this address is taken" on the page (that would let anyone
    # probe who is registered): it warns the address's owner by mail instead.
    assert response.status_code == 302
    assert get_user_model().objects.filter(email__iexact=EMAIL).count() == 1
    assert not is_logged_in(client)
    (warning,) = outbox_messages(outbox)
    assert warning["To"].lower() == EMAIL
    assert "/accounts/confirm-email/" not in body_of(warning)
    assert "existe déjà" in warning["Subject"] + body_of(warning)


def test_sign_up_with_the_same_address_is_refused_on_the_page_when_enumeration_is_allowed(
    client, event, settings
):
    settings.ACCOUNT_PREVENT_ENUMERATION = False
    make_user(EMAIL)
    response = sign_up(client, email=EMAIL.upper())
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert get_user_model().objects.filter(email__iexact=EMAIL).count() == 1


def test_a_new_network_typed_twice_in_another_case_is_one_network(client, event, sessions):
    for number, name in enumerate(["Réseau Coop Sud", "réseau coop  sud"]):
        person = make_user(f"p{number}@exemple.org")
        client.force_login(person)
        client.post(
            "/inscription/",
            register_form(network="new", new_network_name=name, sessions=[sessions[1].pk]),
        )
    assert Network.objects.filter(name__iexact="Réseau Coop Sud").count() == 1
    assert client.get("/").context["counts"] == {"people": 2, "networks": 1}


def test_cancelling_without_a_registration_says_so(client, event):
    client.force_login(make_user())
    response = client.post("/inscription/annuler/", follow=True)
    assert response.status_code == 200
    assert "Vous n'êtes pas inscrit·e à ces journées." in page_text(response)


def test_cancelling_is_a_post_only_action(client, event):
    client.force_login(make_user())
    assert client.get("/inscription/annuler/").status_code == 405


def test_the_confirmation_page_greets_the_person_by_the_name_they_chose(client, outbox, event):
    sign_up(client, display_name="Jean-Michel Cornu")
    (message,) = outbox_messages(outbox)
    link = path_of(link_in(message, "/accounts/confirm-email/"))
    assert "Jean-Michel Cornu" in page_text(client.get(link))


def test_a_forged_confirmation_link_gets_a_french_page_not_an_error(client, event):
    response = client.get("/accounts/confirm-email/pas-une-vraie-clef/")
    assert response.status_code in (200, 404)
    assert "Intercoop" in page_text(response)
    response = client.post("/accounts/confirm-email/pas-une-vraie-clef/")
    assert response.status_code in (200, 302, 404)
    assert not is_logged_in(client)
