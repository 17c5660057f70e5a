"""The signed-in person read from the cache (AUTHENTICATION_BACKENDS).

Every request of a signed-in reader loads their account: on a page served from the
page cache, that query (and on SQLite, opening the database file; on PostgreSQL,
taking a connection from the pool) was most of what serving the page cost beyond
an anonymous reader's (bench/web.py). These backends are Django's and allauth's,
reading the account from the cache first.

Safety: Django still checks the session against the account it gets (the password
hash: a password change signs out the other sessions) and refuses an inactive
account. The cached row is removed whenever the account is saved or deleted in
any process (model signals, connected by forum.apps at start, also in workers and
shells), at once and again once the transaction commits; what no signal sees (a
bulk `update()` on accounts) lasts USER_SECONDS at most. A cache that fails is
skipped: the account comes from the database.
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


def _key(user_id) -> str:
    return f"account:{user_id}"


class CachedUsers:
    def get_user(self, user_id):
        try:
            user = cache.get(_key(user_id))
        except Exception:
            logger.warning("account cache unavailable; reading the account from the database")
            return super().get_user(user_id)
        if user is not None:
            return user if self.user_can_authenticate(user) else None
        user = super().get_user(user_id)
        if user is not None:
            try:
                cache.set(_key(user_id), user, USER_SECONDS)
            except Exception:
                logger.warning("account cache unavailable; the account is not kept there")
        return user


class ModelBackend(CachedUsers, django_backends.ModelBackend):
    pass


class AuthenticationBackend(CachedUsers, allauth_backends.AuthenticationBackend):
    pass


def forget(user_id) -> None:
    """Remove the account's cached row now and once the current transaction commits."""

    def remove():
        try:
            cache.delete(_key(user_id))
        except Exception:
            logger.warning("account cache: could not remove account %s", user_id, exc_info=True)

    remove()
    transaction.on_commit(remove)


def _account_changed(sender, instance, **kwargs) -> None:
    forget(instance.pk)


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(_account_changed, sender=user_model, dispatch_uid="forum.user_cache.save")
    post_delete.connect(_account_changed, sender=user_model, dispatch_uid="forum.user_cache.delete")
