"""What each address at the mail domain means (docs/fixed-points.md, "Mail addresses")."""

import pytest

from mailbridge.addresses import AddressKind, ParsedAddress, parse_address

pytestmark = pytest.mark.usefixtures("mail_domain")


@pytest.fixture
def mail_domain(settings):
    settings.INTERCOOP_MAIL_DOMAIN = "lists.localhost"


def test_a_session_slug_is_that_sessions_list():
    assert parse_address("travail-collaboratif@lists.localhost") == ParsedAddress(
        AddressKind.LIST, "travail-collaboratif", slug="travail-collaboratif"
    )


def test_a_reply_address_carries_its_token_untouched():
    parsed = parse_address("reply+AbC123.sig-_x@lists.localhost")
    assert parsed.kind is AddressKind.REPLY
    assert parsed.token == "AbC123.sig-_x"
    assert parsed.slug == ""


def test_a_token_may_itself_contain_a_plus():
    parsed = parse_address("reply+abc+def@lists.localhost")
    assert (parsed.kind, parsed.token) == (AddressKind.REPLY, "abc+def")


def test_subscribe_and_unsubscribe_name_the_list_they_command():
    subscribe = parse_address("pratiques-web2+subscribe@lists.localhost")
    unsubscribe = parse_address("pratiques-web2+unsubscribe@lists.localhost")
    assert (subscribe.kind, subscribe.slug) == (AddressKind.SUBSCRIBE, "pratiques-web2")
    assert (unsubscribe.kind, unsubscribe.slug) == (AddressKind.UNSUBSCRIBE, "pratiques-web2")


def test_a_bounce_address_carries_its_verp_token():
    parsed = parse_address("bounces+d42.Xyz@lists.localhost")
    assert (parsed.kind, parsed.token) == (AddressKind.BOUNCES, "d42.Xyz")


@pytest.mark.parametrize(
    "address",
    [
        "travail-collaboratif@example.org",
        "travail-collaboratif@lists.localhost.example.org",
        "reply+token@intercoop.info",
        "travail-collaboratif",
        "@lists.localhost",
        "",
        "   ",
        "<>",
        None,
    ],
)
def test_other_domains_and_empty_addresses_are_unknown(address):
    assert parse_address(address).kind is AddressKind.UNKNOWN


@pytest.mark.parametrize(
    "address",
    [
        "reply+@lists.localhost",
        "bounces+@lists.localhost",
        "+subscribe@lists.localhost",
        "travail-collaboratif+digest@lists.localhost",
    ],
)
def test_a_plus_address_without_a_meaning_here_is_unknown(address):
    assert parse_address(address).kind is AddressKind.UNKNOWN


def test_case_is_ignored_in_the_local_part_and_the_domain():
    assert parse_address("Travail-Collaboratif@LISTS.Localhost").slug == "travail-collaboratif"
    assert parse_address("REPLY+Tok@Lists.LocalHost").kind is AddressKind.REPLY
    subscribe = parse_address("Pratiques-Web2+SUBSCRIBE@lists.localhost")
    assert (subscribe.kind, subscribe.slug) == (AddressKind.SUBSCRIBE, "pratiques-web2")
    assert parse_address("Bounces+X@lists.localhost").kind is AddressKind.BOUNCES


def test_the_token_keeps_its_case_even_when_the_rest_is_folded():
    assert parse_address("REPLY+MiXeD@LISTS.LOCALHOST").token == "MiXeD"


def test_angle_brackets_and_surrounding_spaces_are_ignored():
    assert parse_address(" <travail-collaboratif@lists.localhost> ") == parse_address(
        "travail-collaboratif@lists.localhost"
    )
    assert parse_address("<reply+tok@lists.localhost>").token == "tok"


def test_the_domain_comes_from_settings(settings):
    settings.INTERCOOP_MAIL_DOMAIN = "lists.intercoop.info"
    assert parse_address("reseaux-cooperatifs@lists.intercoop.info").kind is AddressKind.LIST
    assert parse_address("reseaux-cooperatifs@lists.localhost").kind is AddressKind.UNKNOWN
