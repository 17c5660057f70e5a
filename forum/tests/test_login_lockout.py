"""Failed sign-ins slow whoever fails, from where they fail, and lock no one else out."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from common.client_ip import client_ip
from forum.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

A, B, PROXY = "203.0.113.7", "198.51.100.9", "10.0.0.5"


@pytest.fixture(autouse=True)
def _empty_counts():
    cache.clear()
    yield
    cache.clear()


def _sign_in(email: str, password: str, address: str, **headers) -> bool:
    client = Client(REMOTE_ADDR=address, headers=headers)
    client.post("/accounts/login/", {"login": email, "password": password})
    return "_auth_user_id" in client.session


def test_ten_failures_from_one_address_leave_the_account_usable_from_another():
    person = make_user("helene@exemple.org")
    for _ in range(10):
        assert not _sign_in(person.email, "wrong", A)
    assert _sign_in(person.email, PASSWORD, B)


def test_failures_from_one_address_meet_a_growing_delay_there(settings):
    from forum import accounts

    person = make_user("helene@exemple.org")
    credentials = {"email": person.email}

    class Request:
        META = {"REMOTE_ADDR": A}
        headers: dict = {}

    delays = []
    for _ in range(6):
        _sign_in(person.email, "wrong", A)
        delays.append(accounts.login_delay(request=Request, credentials=credentials))
    assert delays[0] == 0 and delays[-1] > delays[-2] > delays[-3] > 0
    # Meanwhile even the right password is refused from there.
    assert not _sign_in(person.email, PASSWORD, A)


def test_behind_a_trusted_proxy_the_forwarded_address_decides(settings):
    settings.INTERCOOP_TRUSTED_PROXIES = [PROXY]
    person = make_user("helene@exemple.org")
    for _ in range(10):
        _sign_in(person.email, "wrong", PROXY, x_forwarded_for=f"{B}, {A}")
    # A is refused; B, behind the same proxy, signs in.
    assert not _sign_in(person.email, PASSWORD, PROXY, x_forwarded_for=A)
    assert _sign_in(person.email, PASSWORD, PROXY, x_forwarded_for=B)


def _request(peer: str, forwarded: str = ""):
    class Request:
        META = {"REMOTE_ADDR": peer}
        headers = {"x-forwarded-for": forwarded} if forwarded else {}

    return Request


def test_the_right_most_untrusted_address_counts_and_an_untrusted_peer_is_not_believed(settings):
    settings.INTERCOOP_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client wrote "1.2.3.4" itself; A is what the first trusted proxy saw.
    assert client_ip(_request(PROXY, f"1.2.3.4, {A}, 10.1.1.1")) == A
    assert client_ip(_request(PROXY)) == PROXY
    assert client_ip(_request(B, A)) == B  # not a proxy of ours: its header proves nothing
