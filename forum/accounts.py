"""Signing in: failed attempts are counted per account *and* address.

allauth refuses an account after its "login_failed" rate (settings.ACCOUNT_RATE_LIMITS,
"key": here the account and the client's address together), and an address after
its own. On top of that, each failure past the first few of one pair makes that
pair wait twice as long before the next attempt is even checked, an attempt that
does not wait counting as a failure (a growing delay, up to MAX_DELAY): someone
guessing from one address is slowed more and more, while the person, from their
own address, is never locked out by them.
"""

from __future__ import annotations

import time

from allauth.account.adapter import DefaultAccountAdapter
from django.core.cache import cache

from common.client_ip import client_ip

FREE_FAILURES = 3
MAX_DELAY = 15 * 60


def _pair_key(request, credentials) -> str:
    login = str(credentials.get("email", credentials.get("username", ""))).lower()
    return f"{login}|{client_ip(request) or '-'}"


def login_delay(*, request, credentials) -> float:
    """Seconds this account must wait before trying again from this address."""
    state = cache.get(f"login-delay:{_pair_key(request, credentials)}")
    return max(0.0, state[1] - time.time()) if state else 0.0


def login_failure_count(*, request, credentials) -> int:
    """Record a failed attempt of this account from this address; the count so far."""
    key = f"login-delay:{_pair_key(request, credentials)}"
    failures = (cache.get(key) or (0, 0.0))[0] + 1
    delay = 0 if failures < FREE_FAILURES else min(MAX_DELAY, 2 ** (failures - FREE_FAILURES))
    cache.set(key, (failures, time.time() + delay), timeout=MAX_DELAY * 2)
    return failures


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        return client_ip(request) or super().get_client_ip(request)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth's per-"key" count becomes a count per account and address.
        return (
            f"{super()._get_login_attempts_cache_key(request, **credentials)}|{client_ip(request)}"
        )

    def pre_authenticate(self, request, **credentials) -> None:
        if login_delay(request=request, credentials=credentials) > 0:
            # An attempt that does not wait counts too: hammering lengthens the wait.
            login_failure_count(request=request, credentials=credentials)
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request, **credentials) -> None:
        login_failure_count(request=request, credentials=credentials)
        super().authentication_failed(request, **credentials)
