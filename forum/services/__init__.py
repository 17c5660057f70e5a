"""Writes of the forum core. Web views, the admin, the mail pipeline and tasks all call
these, so a post from the web and a post from email take one road."""

from forum.services.follows import follow_set, follows_default_for_registration
from forum.services.merging import thread_merge
from forum.services.moderation import (
    post_hide,
    post_unhide,
    thread_lock,
    thread_move,
    thread_pin,
)
from forum.services.networks import (
    network_approve,
    network_decline,
    network_propose,
    network_referent_set,
    network_update,
)
from forum.services.posting import AttachmentDraft, PostDraft, posts_create
from forum.services.posts import post_add, post_edit, thread_create
from forum.services.reading import board_mark_all_read, thread_mark_read
from forum.services.registrations import (
    network_find_or_create,
    profile_ensure,
    registration_cancel,
    registration_grant_requested_role,
    registration_save,
)
from forum.services.sessions import session_state_set
from forum.services.sharing import thread_share, thread_unshare

__all__ = [
    "AttachmentDraft",
    "PostDraft",
    "board_mark_all_read",
    "follow_set",
    "follows_default_for_registration",
    "network_approve",
    "network_decline",
    "network_find_or_create",
    "network_propose",
    "network_referent_set",
    "network_update",
    "post_add",
    "post_edit",
    "post_hide",
    "post_unhide",
    "posts_create",
    "profile_ensure",
    "registration_cancel",
    "registration_grant_requested_role",
    "registration_save",
    "session_state_set",
    "thread_create",
    "thread_lock",
    "thread_mark_read",
    "thread_merge",
    "thread_move",
    "thread_pin",
    "thread_share",
    "thread_unshare",
]
