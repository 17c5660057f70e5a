"""A person deletes their account: every row about them goes, their posts are kept
under « ancien participant » or removed, as they choose.

Rows with a foreign key to the account go by cascade (profile, registrations,
follows, read marks, addresses, respondent rows and named answers; the rows other
apps hold on the account). Before that, `account_deleting(user_id, addresses)` is
published: atomic subscribers remove, in the same transaction, what other apps keep
about the person's addresses without a key to the account. Anonymous questionnaire
answers stay, anonymous, and cannot be found again: the key by which the person
reached theirs is replaced by a random one.
"""

from __future__ import annotations

import logging
import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session as SessionRow
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from common.storage import file_storage
from forum import events
from forum.errors import UserError
from forum.models import (
    Anonymity,
    Attachment,
    LibraryEntry,
    Post,
    Profile,
    Questionnaire,
    Response,
    Thread,
)
from forum.questionnaire_tokens import response_keys

logger = logging.getLogger(__name__)

FORMER_USERNAME = "ancien-participant"
FORMER_NAME = "ancien participant"


def former_participant():
    """The account kept posts are signed by: inactive, no password, no address."""
    user, created = get_user_model().objects.get_or_create(
        username=FORMER_USERNAME, defaults={"is_active": False, "email": ""}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Profile.objects.get_or_create(user=user, defaults={"display_name": FORMER_NAME})
    return user


def person_addresses(user) -> list[str]:
    addresses = {user.email.lower()} if user.email else set()
    emails = user.emailaddress_set.values_list("email", flat=True)
    addresses.update(email.lower() for email in emails)
    return sorted(addresses)


def account_delete(*, user, password: str, keep_posts: bool) -> None:
    """Delete `user` once `password` is theirs; raises UserError otherwise."""
    if not user.is_authenticated or user.username == FORMER_USERNAME:
        raise UserError(_("Ce compte ne peut pas être supprimé."), code="not_deletable")
    if not password or not user.check_password(password):
        raise UserError(_("Ce mot de passe n'est pas le vôtre."), code="wrong_password")
    files: list[str] = []
    with transaction.atomic():
        events.publish("account_deleting", user_id=user.pk, addresses=person_addresses(user))
        _anonymous_answers_unlink(user)
        if keep_posts:
            former = former_participant()
            Post.objects.filter(author=user).update(author=former)
            Thread.objects.filter(author=user).update(author=former)
        else:
            # What they wrote goes with their posts: the library entries they proposed.
            LibraryEntry.objects.filter(proposed_by=user).delete()
            files = _posts_remove(user)
        sessions_end(user)
        user_id = user.pk
        user.delete()
    _files_remove(files)
    logger.info("account %s deleted (posts %s)", user_id, "kept" if keep_posts else "removed")


def _anonymous_answers_unlink(user) -> None:
    # While a questionnaire is open its anonymous response is found by a key made
    # from the person's id; a random key leaves the answers counted and unreachable.
    open_anonymous = Questionnaire.objects.filter(anonymity=Anonymity.ANONYMOUS).exclude(seal="")
    for questionnaire in open_anonymous:
        keys = response_keys(questionnaire=questionnaire, user_id=user.pk)
        for response in Response.objects.filter(questionnaire=questionnaire, key__in=keys):
            response.key = secrets.token_hex(32)
            response.save(update_fields=["key"])


def _posts_remove(user) -> list[str]:
    """Delete the person's posts; their threads with other people's replies stay,
    under « ancien participant ». Returns the attachment files to remove."""
    posts = Post.objects.filter(author=user)
    files = list(Attachment.objects.filter(post__in=posts).values_list("path", flat=True))
    thread_ids = set(posts.values_list("thread_id", flat=True))
    thread_ids.update(Thread.objects.filter(author=user).values_list("pk", flat=True))
    posts.delete()
    for thread in Thread.objects.filter(pk__in=thread_ids).annotate(
        remaining=Count("posts"), newest=Max("posts__created_at")
    ):
        if not thread.remaining:
            thread.delete()
            continue
        thread.post_count = thread.remaining
        thread.last_post = thread.posts.order_by("-created_at", "-pk").first()
        thread.last_post_at = thread.newest
        if thread.author_id == user.pk:
            thread.author = former_participant()
        thread.save(update_fields=["post_count", "last_post", "last_post_at", "author"])
    return files


def sessions_end(user) -> None:
    """End every session of `user`, in the database and in the cache."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for row in SessionRow.objects.all().iterator():
        if row.get_decoded().get("_auth_user_id") == str(user.pk):
            store(session_key=row.session_key).delete()


def _files_remove(paths: list[str]) -> None:
    storage = file_storage("attachments")  # the data dir or the object store
    for name in paths:
        try:
            storage.delete(name)
        except Exception:  # an orphan file is no reason to fail after the commit
            logger.warning("could not remove attachment file %s", name, exc_info=True)
