"""reply+ and bounces+ tokens: they name who and what, and nobody can make one up."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbridge.addresses import AddressKind, parse_address
from mailbridge.errors import InvalidToken
from mailbridge.tokens import (
    MAX_ID,
    bounce_address,
    bounce_token,
    reply_address,
    reply_token,
    verify_bounce_token,
    verify_reply_token,
)

ids = st.integers(min_value=1, max_value=MAX_ID)


@given(user_id=ids, post_id=ids)
def test_a_reply_token_names_the_person_and_the_post_it_was_made_for(user_id, post_id):
    token = reply_token(user_id, post_id)
    assert verify_reply_token(token) == (user_id, post_id)
    assert re.fullmatch(r"[0-9a-z-]+", token)
    assert len(f"reply+{token}") <= 64  # RFC 5321 §4.5.3.1.1


@given(delivery_id=ids)
def test_a_bounce_token_names_its_delivery(delivery_id):
    assert verify_bounce_token(bounce_token(delivery_id)) == delivery_id


def test_a_token_survives_a_server_that_changes_the_case_of_the_local_part():
    token = reply_token(42, 1234)
    assert verify_reply_token(token.upper()) == (42, 1234)
    assert verify_bounce_token(bounce_token(7).upper()) == 7


def test_another_persons_token_cannot_be_made_by_changing_the_id():
    _user, post, mac = reply_token(42, 1234).split("-")
    someone_else = reply_token(43, 1234).split("-")[0]
    with pytest.raises(InvalidToken) as error:
        verify_reply_token(f"{someone_else}-{post}-{mac}")
    assert error.value.reason == "forged"


def test_a_token_for_another_post_cannot_be_reused():
    user, _post, mac = reply_token(42, 1234).split("-")
    other_post = reply_token(42, 999).split("-")[1]
    with pytest.raises(InvalidToken, match="forged"):
        verify_reply_token(f"{user}-{other_post}-{mac}")


def test_a_signature_with_one_character_changed_is_refused():
    token = reply_token(5, 6)
    last = "a" if token[-1] != "a" else "b"
    with pytest.raises(InvalidToken, match="forged"):
        verify_reply_token(token[:-1] + last)


@pytest.mark.parametrize("cut", [1, 5, 15])
def test_a_truncated_token_is_refused(cut):
    token = reply_token(5, 6)
    with pytest.raises(InvalidToken, match="garbled"):
        verify_reply_token(token[:-cut])


@pytest.mark.parametrize(
    "garbage",
    ["", "-", "abc", "1-2", "1-2-3-4", "0-2-aaaaaaaaaaaaaaaa", "1-é-aaaaaaaaaaaaaaaa", "--" * 10],
)
def test_garbage_is_refused_with_a_clear_error(garbage):
    with pytest.raises(InvalidToken) as error:
        verify_reply_token(garbage)
    assert error.value.reason in ("garbled", "forged")
    assert str(error.value)


def test_a_bounce_token_is_not_a_reply_token_and_the_reverse():
    with pytest.raises(InvalidToken):
        verify_reply_token(bounce_token(5))
    bounce = bounce_token(5)
    delivery, mac = bounce.split("-")
    with pytest.raises(InvalidToken, match="forged"):
        # Same shape as a bounce token, signed for replies: refused.
        verify_bounce_token(f"{delivery}-{reply_token(5, 5).split('-')[2]}")


def test_tokens_from_a_previous_secret_key_stay_valid_after_a_rotation(settings):
    settings.SECRET_KEY = "the-old-key-" + "x" * 40
    token = reply_token(1, 2)
    settings.SECRET_KEY = "the-new-key-" + "y" * 40
    with pytest.raises(InvalidToken):
        verify_reply_token(token)
    settings.SECRET_KEY_FALLBACKS = ["the-old-key-" + "x" * 40]
    assert verify_reply_token(token) == (1, 2)


def test_the_addresses_parse_back_to_their_tokens(settings):
    settings.INTERCOOP_MAIL_DOMAIN = "lists.intercoop.test"
    reply = parse_address(reply_address(3, 4))
    assert reply.kind is AddressKind.REPLY
    assert verify_reply_token(reply.token) == (3, 4)
    bounce = parse_address(bounce_address(9))
    assert bounce.kind is AddressKind.BOUNCES
    assert verify_bounce_token(bounce.token) == 9
