"""Bad input on the sign-up and registration forms gets a clear French answer next to the
field, with a stable code, and never a server error."""

from __future__ import annotations

import re

import pytest

from forum.forms import NEW_NETWORK, RegistrationForm, SignupForm
from forum.models import Event, Network, Registration, Role, Session
from forum.tests.factories import make_network, make_registration, make_user
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db


def valid_data(sessions, /, **overrides):
    data = {
        "network": "",
        "new_network_name": "",
        "new_network_website": "",
        "sessions": [sessions[1].pk, sessions[3].pk],
        "requested_role": Role.PARTICIPANT,
        "mail_delivery": "each",
        "comment": "",
    }
    data.update(overrides)
    return data


def error_codes(form) -> dict[str, list[str | None]]:
    return {
        field: [error.code for error in errors] for field, errors in form.errors.as_data().items()
    }


def field_block(response, name: str) -> str:
    """The HTML of the form field wrapper that holds the input called `name`."""
    html = response.content.decode()
    for block in html.split('<div class="field')[1:]:
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name!r} on the page")


@pytest.fixture
def person(client, event):
    user = make_user("lea.martin@exemple.org", display_name="Léa Martin")
    client.force_login(user)
    return user


# The form on its own: each mistake has its French message and its code.


def test_a_complete_form_is_valid(event, sessions):
    form = RegistrationForm(valid_data(sessions), event=event)
    assert form.is_valid(), form.errors


def test_no_session_chosen_asks_for_one(event, sessions):
    form = RegistrationForm(valid_data(sessions, sessions=[]), event=event)
    assert not form.is_valid()
    assert form.errors["sessions"] == ["Choisissez au moins une session."]
    assert error_codes(form)["sessions"] == ["required"]


def test_a_new_network_without_a_name_asks_for_the_name(event, sessions):
    form = RegistrationForm(valid_data(sessions, network=NEW_NETWORK), event=event)
    assert not form.is_valid()
    assert form.errors["new_network_name"] == ["Indiquez le nom du nouveau réseau."]
    assert error_codes(form)["new_network_name"] == ["required"]


def test_a_new_network_name_of_spaces_only_counts_as_no_name(event, sessions):
    form = RegistrationForm(
        valid_data(sessions, network=NEW_NETWORK, new_network_name="   \t "), event=event
    )
    assert not form.is_valid()
    assert error_codes(form)["new_network_name"] == ["required"]


def test_a_new_network_name_without_letters_or_digits_is_refused_on_its_field(event, sessions):
    form = RegistrationForm(
        valid_data(sessions, network=NEW_NETWORK, new_network_name="!!! ???"), event=event
    )
    assert not form.is_valid()
    assert error_codes(form)["new_network_name"] == ["network_invalid"]
    assert "nom de réseau" in form.errors["new_network_name"][0]


def test_a_new_network_website_that_is_not_an_address_is_refused_in_french(event, sessions):
    form = RegistrationForm(
        valid_data(
            sessions,
            network=NEW_NETWORK,
            new_network_name="Coop du Nord",
            new_network_website="pas une adresse",
        ),
        event=event,
    )
    assert not form.is_valid()
    assert form.errors["new_network_website"] == [
        "Saisissez une adresse web complète, par exemple https://exemple.org."
    ]
    assert error_codes(form)["new_network_website"] == ["invalid"]


def test_a_javascript_address_is_not_a_network_website(event, sessions):
    form = RegistrationForm(
        valid_data(
            sessions,
            network=NEW_NETWORK,
            new_network_name="Coop du Nord",
            new_network_website="javascript:alert(1)",
        ),
        event=event,
    )
    assert not form.is_valid()
    assert error_codes(form)["new_network_website"] == ["invalid"]


@pytest.mark.parametrize("forged", ["999999", "99999999999999999999999", "-1"])
def test_a_session_id_that_does_not_exist_is_refused(event, sessions, forged):
    form = RegistrationForm(valid_data(sessions, sessions=[forged]), event=event)
    assert not form.is_valid()
    assert form.errors["sessions"] == ["Cette session n'existe pas."]
    assert error_codes(form)["sessions"] == ["invalid_choice"]


def test_a_session_id_that_is_not_a_number_is_refused(event, sessions):
    form = RegistrationForm(valid_data(sessions, sessions=["abc"]), event=event)
    assert not form.is_valid()
    assert form.errors["sessions"] == ["Cette session n'existe pas."]
    assert error_codes(form)["sessions"] == ["invalid_pk_value"]


def test_a_session_of_another_event_cannot_be_chosen(event, sessions):
    other = Event.objects.create(
        name="Autre rencontre", slug="autre", starts_on=event.starts_on, ends_on=event.ends_on
    )
    foreign = Session.objects.create(
        event=other, number=1, slug="autre-1", title="Ailleurs", date=event.starts_on
    )
    form = RegistrationForm(valid_data(sessions, sessions=[foreign.pk]), event=event)
    assert not form.is_valid()
    assert error_codes(form)["sessions"] == ["invalid_choice"]


@pytest.mark.parametrize("forged", ["999999", "abc", "1 OR 1=1", NEW_NETWORK.upper()])
def test_a_network_id_that_is_not_in_the_list_is_refused(event, sessions, forged):
    make_network()
    form = RegistrationForm(valid_data(sessions, network=forged), event=event)
    assert not form.is_valid()
    assert form.errors["network"] == ["Choisissez un réseau dans la liste."]
    assert error_codes(form)["network"] == ["invalid_choice"]


@pytest.mark.parametrize("forged", [Role.ORGANISER, "admin", ""])
def test_a_role_that_cannot_be_requested_is_refused(event, sessions, forged):
    form = RegistrationForm(valid_data(sessions, requested_role=forged), event=event)
    assert not form.is_valid()
    assert "requested_role" in form.errors
    assert error_codes(form)["requested_role"][0] in {"invalid_choice", "required"}


def test_a_mail_delivery_that_is_not_offered_is_refused(event, sessions):
    form = RegistrationForm(valid_data(sessions, mail_delivery="pigeon"), event=event)
    assert not form.is_valid()
    assert form.errors["mail_delivery"] == ["Choisissez une option dans la liste."]
    assert error_codes(form)["mail_delivery"] == ["invalid_choice"]


def test_a_comment_longer_than_2000_characters_is_refused(event, sessions):
    form = RegistrationForm(valid_data(sessions, comment="é" * 2001), event=event)
    assert not form.is_valid()
    assert error_codes(form)["comment"] == ["max_length"]
    assert "2000" in form.errors["comment"][0]


def test_a_comment_of_exactly_2000_characters_is_accepted(event, sessions):
    form = RegistrationForm(valid_data(sessions, comment="é" * 2000), event=event)
    assert form.is_valid(), form.errors


def test_every_error_of_a_thoroughly_wrong_form_has_a_code(event, sessions):
    form = RegistrationForm(
        {
            "network": "nope",
            "new_network_website": "ftp//x",
            "sessions": ["abc"],
            "requested_role": "organiser",
            "mail_delivery": "x",
            "comment": "x" * 2001,
        },
        event=event,
    )
    assert not form.is_valid()
    for field, codes in error_codes(form).items():
        assert all(codes), f"{field} has an error without a code"


# Through the page: the message stands next to the field and nothing is saved.


def test_the_page_shows_the_missing_session_message_next_to_the_sessions(client, person, sessions):
    response = client.post("/inscription/", valid_data(sessions, sessions=[]))
    assert response.status_code == 200
    block = field_block(response, "sessions")
    assert "has-error" in block.split(">", 1)[0]
    assert "Choisissez au moins une session." in block
    assert not Registration.objects.exists()


def test_the_page_shows_the_missing_network_name_next_to_that_field(client, person, sessions):
    response = client.post("/inscription/", valid_data(sessions, network=NEW_NETWORK))
    assert "Indiquez le nom du nouveau réseau." in field_block(response, "new_network_name")
    assert not Network.objects.exists()


def test_the_page_shows_the_bad_website_message_next_to_that_field(client, person, sessions):
    response = client.post(
        "/inscription/",
        valid_data(
            sessions,
            network=NEW_NETWORK,
            new_network_name="Coop du Nord",
            new_network_website="pas une adresse",
        ),
    )
    assert "Saisissez une adresse web complète" in field_block(response, "new_network_website")
    assert not Network.objects.exists()


@pytest.mark.parametrize(
    ("field", "forged", "message"),
    [
        ("sessions", ["424242"], "Cette session n'existe pas."),
        ("sessions", ["<script>"], "Cette session n'existe pas."),
        ("sessions", ["99999999999999999999999"], "Cette session n'existe pas."),
        ("network", "424242", "Choisissez un réseau dans la liste."),
        ("requested_role", Role.ORGANISER, "Choisissez un rôle dans la liste."),
        ("mail_delivery", "fax", "Choisissez une option dans la liste."),
    ],
)
def test_a_forged_value_gets_a_french_message_and_no_server_error(
    client, person, sessions, field, forged, message
):
    response = client.post("/inscription/", valid_data(sessions, **{field: forged}))
    assert response.status_code == 200
    assert message in page_text(response)
    assert not Registration.objects.exists()


def test_a_long_comment_is_refused_on_the_page(client, person, sessions):
    response = client.post("/inscription/", valid_data(sessions, comment="x" * 2001))
    assert response.status_code == 200
    assert "2000" in field_block(response, "comment")
    assert not Registration.objects.exists()


def test_when_registration_is_closed_the_page_says_so_and_nothing_is_saved(
    client, person, event, sessions
):
    event.registration_open = False
    event.save()
    assert "Les inscriptions à ces journées sont closes." in page_text(client.get("/inscription/"))
    response = client.post(
        "/inscription/",
        valid_data(
            sessions,
            network=NEW_NETWORK,
            new_network_name="Réseau arrivé trop tard",
            mail_delivery="digest",
        ),
    )
    assert response.status_code == 200
    assert "Les inscriptions à ces journées sont closes." in page_text(response)
    assert not Registration.objects.exists()
    assert not Network.objects.exists()
    person.profile.refresh_from_db()
    assert person.profile.mail_delivery == "each"


def test_when_registration_is_closed_the_home_page_says_so(client, event):
    event.registration_open = False
    event.save()
    assert "Les inscriptions sont closes." in page_text(client.get("/"))


def test_a_registered_person_can_still_change_after_registration_closes(
    client, person, event, sessions
):
    make_registration(user=person, event=event, sessions=[sessions[1]])
    event.registration_open = False
    event.save()
    response = client.post("/inscription/", valid_data(sessions, sessions=[sessions[2].pk]))
    assert response.status_code == 302
    assert [s.number for s in Registration.objects.get(user=person).sessions.all()] == [2]


@pytest.mark.parametrize(
    "body",
    [
        b"network=&sessions=1&requested_role=participant&comment=%FF%FE%C3",
        b"comment=\xff\xfe\xc3(&sessions=\xe9&network=\x80",
        b"\xff\xff\xff\xff",
    ],
)
def test_a_post_body_that_is_not_utf8_gets_an_answer_not_a_crash(client, person, event, body):
    response = client.post(
        "/inscription/", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 400)


def test_a_sign_up_body_that_is_not_utf8_gets_an_answer_not_a_crash(client, event):
    response = client.post(
        "/accounts/signup/",
        data=b"email=a%FF@exemple.org&display_name=\xe9\xff&password1=x&password2=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 400)


def test_a_multipart_body_with_bad_bytes_gets_an_answer_not_a_crash(client, person, event):
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\n'.encode()
        + b"\xff\xfe\xfd\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/inscription/", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code in (200, 400)


# Sign-up: the name shown on the forum is asked for, in French.


def test_sign_up_without_a_display_name_asks_for_it(client, event):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "sans.nom@exemple.org",
            "display_name": "   ",
            "password1": "une-phrase-de-passe-solide",
            "password2": "une-phrase-de-passe-solide",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"] == [
        "Indiquez le nom sous lequel vous apparaîtrez."
    ]
    assert "Indiquez le nom sous lequel vous apparaîtrez." in page_text(response)


def test_the_sign_up_form_names_its_display_name_error():
    form = SignupForm({"display_name": ""})
    assert not form.is_valid()
    assert error_codes(form)["display_name"] == ["required"]


def test_the_sign_up_form_collapses_spaces_in_the_display_name():
    form = SignupForm({"display_name": "  Jean   Michel  "})
    assert form.is_valid()
    assert form.cleaned_data["display_name"] == "Jean Michel"


def test_the_sign_up_page_asks_fields_in_order(client, event):
    html = client.get("/accounts/signup/").content.decode()
    positions = [html.index(f'name="{name}"') for name in ("email", "display_name", "password1")]
    assert positions == sorted(positions)


def test_a_too_short_password_is_refused_in_french(client, event):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "court@exemple.org",
            "display_name": "Court",
            "password1": "abc",
            "password2": "abc",
        },
    )
    assert response.status_code == 200
    assert re.search(r"trop court|au moins", page_text(response))
