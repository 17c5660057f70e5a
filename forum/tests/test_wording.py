"""The words a newcomer reads: one name for each thing, links that bring them back,
someone to write to."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from forum.tests.board_factories import make_thread
from forum.tests.reading import elements, page_text

E_MAIL = re.compile(r"\be-?mail\b", re.IGNORECASE)


def test_creating_an_account_is_not_called_signing_up_for_the_event(client, event):
    response = client.get("/")
    signup = [
        attrs
        for tag, attrs in elements(response)
        if tag == "a" and attrs.get("href") == "/accounts/signup/"
    ]
    assert signup
    text = page_text(response)
    assert "Créer un compte" in text
    assert "S'inscrire " not in text + " "


def test_signing_in_from_a_page_brings_the_reader_back_to_it(client, board, alice):
    thread = make_thread(board, author=alice, title="Les outils")
    path = thread.get_absolute_url()
    response = client.get(path)
    login_links = [
        attrs["href"]
        for tag, attrs in elements(response)
        if tag == "a" and attrs.get("href", "").startswith("/accounts/login/")
    ]
    assert f"/accounts/login/?next={path}" in login_links
    page = client.get(login_links[0])
    assert f'value="{path}"' in page.content.decode()  # allauth's hidden "next"


@pytest.mark.parametrize(
    ("name", "lead"),
    [
        ("Intercoop 2007", "Les échanges d'Intercoop 2007 :"),
        ("Coop 2007", "Les échanges de Coop 2007 :"),
    ],
)
def test_the_boards_page_elides_de_before_a_vowel(client, event, name, lead):
    event.name = name
    event.save()
    assert lead in page_text(client.get(reverse("forum:boards")))


@pytest.mark.parametrize(
    "path", ["/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"]
)
def test_allauths_pages_say_courriel(client, event, path):
    response = client.get(path)
    assert response.status_code == 200
    body = re.sub(r'(name|type|autocomplete|id|for)="[^"]*"', "", response.content.decode())
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    assert "ourriel" in page_text(response) or "ourriel" in body
    assert not E_MAIL.search(page_text(response)), E_MAIL.findall(page_text(response))
    placeholders = [attrs.get("placeholder", "") for tag, attrs in elements(response)]
    assert not any(E_MAIL.search(text) for text in placeholders), placeholders


def test_the_confirmation_sent_page_and_the_footer_give_the_organisers_address(
    client, event, settings
):
    settings.INTERCOOP_CONTACT_EMAIL = "contact@intercoop.test"
    response = client.post(
        "/accounts/signup/",
        {
            "email": "zoe@exemple.org",
            "display_name": "Zoé",
            "password1": "un mot de passe assez long",
            "password2": "un mot de passe assez long",
        },
        follow=True,
    )
    text = page_text(response)
    assert "Vérifiez votre adresse de courriel" in text
    assert (
        "Rien reçu après quelques minutes ? Écrivez aux organisateurs : contact@intercoop.test"
        in text
    )
    assert ("a", {"href": "mailto:contact@intercoop.test"}) in elements(response)
    assert "Écrire aux organisateurs : contact@intercoop.test" in page_text(client.get("/"))


def test_the_organisers_address_defaults_to_the_mail_domain():
    from django.conf import settings

    assert settings.INTERCOOP_CONTACT_EMAIL == f"organisateurs@{settings.INTERCOOP_MAIL_DOMAIN}"


def test_an_empty_presentation_has_no_heading(client, event):
    event.presentation = "  "
    event.save()
    assert "Présentation" not in page_text(client.get("/"))
    event.presentation = "Trois journées."
    event.save()
    assert "Présentation Trois journées." in page_text(client.get("/"))


def test_a_post_is_numbered_the_same_way_everywhere(client, board, alice):
    thread = make_thread(board, author=alice, title="Les outils")
    post = thread.posts.get(number=1)
    client.force_login(alice)
    assert "#1" in page_text(client.get(thread.get_absolute_url()))
    assert "Modifier le message #1" in page_text(
        client.get(reverse("forum:post_edit", args=[post.pk]))
    )


def test_following_is_called_a_subscription_as_in_the_menu(client, board, alice):
    thread = make_thread(board, author=alice, title="Les outils")
    client.force_login(alice)
    text = page_text(client.get(thread.get_absolute_url()))
    assert "Mes abonnements" in text
    assert "Mon abonnement à ce fil :" in text
    assert "Je suis ce fil" not in text
