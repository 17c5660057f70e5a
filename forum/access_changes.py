"""Who may read what has changed: the `access_changed` event.

Pages check access on every request; a connection that stays open (a live page's
websocket) checked it once, when it opened. So the forum says when a change may have
taken away what someone reads, and whoever keeps such connections checks them again:

- `access_changed(session_id=…)`: a session was made private or public (its page,
  live page, board, threads and posts: forum.models.visibility, the `open` fact);
- `access_changed(user_id=…)`: a person's registration changed (saved, cancelled,
  deleted), their account was deactivated or lost its superuser status;
- `access_changed(user_id=…, session_digest=…)`: a person signed out of one browser;
  the digest names that browser's session (its key's SHA-256, not the key itself).

Model signals rather than the services alone, so that the admin and shell changes
are covered too; each is published after the commit, as every non-atomic
subscriber runs.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save, pre_save

from forum import events
from forum.models import Registration, Session

# The fields of an account that decide what it may read.
ACCOUNT_FIELDS = ("is_active", "is_superuser")


def session_digest(session_key: str) -> str:
    """What names a browser's session in the event: its key never leaves the store."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def _touches(update_fields, fields) -> bool:
    return update_fields is None or bool(set(update_fields) & set(fields))


def _remember_before(sender, instance, update_fields=None, fields=(), **_kwargs) -> None:
    instance._access_before = None
    if instance.pk is None or not _touches(update_fields, fields):
        return
    instance._access_before = (
        sender._default_manager.filter(pk=instance.pk).values_list(*fields).first()
    )


def _changed(instance, fields) -> bool:
    before = getattr(instance, "_access_before", None)
    return before is not None and before != tuple(getattr(instance, f) for f in fields)


def _session_before(sender, instance, update_fields=None, **kwargs) -> None:
    _remember_before(sender, instance, update_fields, fields=("is_private",))


def _session_saved(sender, instance, created=False, **_kwargs) -> None:
    if not created and _changed(instance, ("is_private",)):
        events.publish("access_changed", session_id=instance.pk)


def _account_before(sender, instance, update_fields=None, **kwargs) -> None:
    _remember_before(sender, instance, update_fields, fields=ACCOUNT_FIELDS)


def _account_saved(sender, instance, created=False, **_kwargs) -> None:
    if not created and _changed(instance, ACCOUNT_FIELDS):
        events.publish("access_changed", user_id=instance.pk)


def _registration_changed(sender, instance, **_kwargs) -> None:
    events.publish("access_changed", user_id=instance.user_id)


def _signed_out(sender, request=None, user=None, **_kwargs) -> None:
    if user is None or request is None:
        return
    key = getattr(getattr(request, "session", None), "session_key", None)
    events.publish(
        "access_changed", user_id=user.pk, session_digest=session_digest(key) if key else ""
    )


def connect() -> None:
    user_model = get_user_model()
    uid = "forum.access_changes"
    pre_save.connect(_session_before, sender=Session, dispatch_uid=f"{uid}.session.pre")
    post_save.connect(_session_saved, sender=Session, dispatch_uid=f"{uid}.session")
    pre_save.connect(_account_before, sender=user_model, dispatch_uid=f"{uid}.account.pre")
    post_save.connect(_account_saved, sender=user_model, dispatch_uid=f"{uid}.account")
    post_save.connect(_registration_changed, sender=Registration, dispatch_uid=f"{uid}.reg")
    post_delete.connect(_registration_changed, sender=Registration, dispatch_uid=f"{uid}.reg.d")
    user_logged_out.connect(_signed_out, dispatch_uid=f"{uid}.logout")
