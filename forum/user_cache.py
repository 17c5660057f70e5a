"""The signed-in person read from the cache (AUTHENTICATION_BACKENDS).

Every request of a signed-in reader loads their account: on a page served from the
page cache, that query (and on SQLite, opening the database file; on PostgreSQL,
taking a connection from the pool) was most of what serving the page cost beyond
an anonymous reader's (docs/benchmarks.md, "Web pages"). These backends are Django's
and allauth's, reading the account from the cache first.

Safety: Django still checks the session against the account it gets (the password
hash: a password change signs out the other sessions) and refuses an inactive
account. Whenever the account is saved or deleted (model signals, connected by
forum.apps at start, in every process), its cached row is replaced by a marker for
FORGET_SECONDS, at once and again once the transaction commits, and a row read
from the database is only added where nothing is (`cache.add`): a request that read
the old row just before the change cannot put it back. With Redis every process
sees the marker; with the embedded memory cache, a change made in another process
(a shell, `manage.py changepassword`) reaches the web process after USER_SECONDS at
most, as does what no signal sees (a bulk `update()` on accounts). A cache that
fails is skipped: the account comes from the database.
"""

from __future__ import annotations

import logging

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

USER_SECONDS = 60
FORGET_SECONDS = 10
_FORGOTTEN = "forgotten"


def _key(user_id) -> str:
    return f"account:{user_id}"


class CachedUsers:
    def get_user(self, user_id):
        try:
            user = cache.get(_key(user_id))
        except Exception:
            logger.warning("account cache unavailable; reading the account from the database")
            return super().get_user(user_id)
        if user == _FORGOTTEN:
            return super().get_user(user_id)
        if user is not None:
            return user if self.user_can_authenticate(user) else None
        user = super().get_user(user_id)
        if user is not None:
            try:
                cache.add(_key(user_id), user, USER_SECONDS)
            except Exception:
                logger.warning("account cache unavailable; the account is not kept there")
        return user


class ModelBackend(CachedUsers, django_backends.ModelBackend):
    pass


class AuthenticationBackend(CachedUsers, allauth_backends.AuthenticationBackend):
    pass


def forget(user_id) -> None:
    """Replace the account's cached row by a marker, now and once the current
    transaction commits: for FORGET_SECONDS the account is read from the database."""

    def remove():
        try:
            cache.set(_key(user_id), _FORGOTTEN, FORGET_SECONDS)
        except Exception:
            logger.error(
                "account cache: could not forget account %s; %d s at most",
                user_id,
                USER_SECONDS,
                exc_info=True,
            )

    remove()
    transaction.on_commit(remove)


def _account_changed(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    # A new account has no row to forget; signing in writes last_login alone, which
    # nothing the cached row is used for depends on.
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    forget(instance.pk)


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(_account_changed, sender=user_model, dispatch_uid="forum.user_cache.save")
    post_delete.connect(_account_changed, sender=user_model, dispatch_uid="forum.user_cache.delete")
