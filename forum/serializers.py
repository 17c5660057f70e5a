"""Plain dicts for the JSON API; the shapes are a fixed point (docs/api.md).

Datetimes are ISO 8601 in the event's time zone; people are named by their
display name, never by an email address; hidden posts never reach these.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from forum.models.guest import guest_label
from forum.rendering import markdown_to_html


def _moment(session, at: time | None, default: time) -> str:
    tz = ZoneInfo(session.event.timezone)
    return datetime.combine(session.date, at or default, tzinfo=tz).isoformat()


def _instant(value: datetime, event) -> str:
    return timezone.localtime(value, ZoneInfo(event.timezone)).isoformat(timespec="seconds")


def author_name(user) -> str:
    """How a person is named outside the site: their display name, never their
    email address (nor the username, often made from it)."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name:
        return guest_label(profile.display_name) if profile.is_guest else profile.display_name
    return user.get_full_name() or _("Participant·e n° %(number)s") % {"number": user.pk}


def session_json(session, request) -> dict:
    return {
        "slug": session.slug,
        "title": session.title,
        "starts_at": _moment(session, session.starts_at, time(0, 0)),
        "ends_at": _moment(session, session.ends_at, time(23, 59, 59)),
        "list_address": session.list_address,
        "url": request.build_absolute_uri(session.get_absolute_url()),
    }


def thread_summary_json(thread, request, *, event) -> dict:
    """A thread in a session's list; counts and dates cover visible posts only
    (forum.selectors.published.threads_for_session annotates them)."""
    return {
        "id": thread.pk,
        "title": thread.title,
        "author": author_name(thread.author),
        "created_at": _instant(thread.created_at, event),
        "last_post_at": _instant(thread.visible_last_post_at, event),
        "post_count": thread.visible_post_count,
        "url": request.build_absolute_uri(thread.get_absolute_url()),
    }


def thread_json(thread, posts) -> dict:
    """A thread with its visible `posts`; a reply to a post that is not among them
    (hidden) says null rather than point at it."""
    event = thread.board.event
    shown = {post.pk for post in posts}
    session = thread.board.session
    return {
        "id": thread.pk,
        "title": thread.title,
        "session": session.slug if session is not None else None,
        "posts": [post_json(post, event=event, shown=shown) for post in posts],
    }


def post_json(post, *, event, shown: set[int]) -> dict:
    return {
        "id": post.pk,
        "author": author_name(post.author),
        "body_text": post.body_text,
        "body_html": post.body_html,
        "source": post.source,
        "created_at": _instant(post.created_at, event),
        "in_reply_to": post.in_reply_to_id if post.in_reply_to_id in shown else None,
    }


def library_entry_json(entry, request) -> dict:
    """A library entry (docs/api.md, "The library"): its link or file, the networks
    that use it, its tags and licence, its page and its discussion."""
    file = entry.file
    return {
        "id": entry.pk,
        "title": entry.title,
        "description": entry.description,
        "description_html": entry.description_html,
        "link": entry.url or None,
        "file": (
            {
                "name": file.filename,
                "content_type": file.content_type,
                "size": file.size,
                "url": request.build_absolute_uri(file.get_absolute_url()),
            }
            if file is not None
            else None
        ),
        "networks": [{"slug": n.slug, "name": n.name} for n in entry.networks.all()],
        "tags": [{"slug": tag.slug, "name": tag.name} for tag in entry.tags.all()],
        "licence": {"code": entry.licence, "name": entry.licence_shown},
        "proposed_by": author_name(entry.proposed_by) if entry.proposed_by else None,
        "created_at": timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
        "updated_at": timezone.localtime(entry.updated_at).isoformat(timespec="seconds"),
        "url": request.build_absolute_uri(entry.get_absolute_url()),
        "thread_url": (
            request.build_absolute_uri(entry.thread.get_absolute_url()) if entry.thread else None
        ),
    }


def network_json(network, request, *, members: int, shared_threads: int) -> dict:
    """A network of the directory (docs/api.md, "Networks"): its page's facts, its
    board and list, its référents by name; no one's email address (its contact is a
    name only)."""
    board = getattr(network, "board", None)
    return {
        "slug": network.slug,
        "name": network.name,
        "description": network.description,
        "description_html": markdown_to_html(network.description) if network.description else "",
        "website": network.website or None,
        "region": network.region,
        "themes": [{"slug": theme.slug, "name": theme.name} for theme in network.themes.all()],
        "contact_name": network.contact_name,
        "url": request.build_absolute_uri(network.get_absolute_url()),
        "board_url": request.build_absolute_uri(board.get_absolute_url()) if board else None,
        "list_address": network.list_address if board else None,
        "referents": sorted(
            (author_name(person) for person in network.referents.all()), key=str.casefold
        ),
        "members": members,
        "shared_threads": shared_threads,
    }


def network_thread_json(thread, request) -> dict:
    return {
        "id": thread.pk,
        "title": thread.title,
        "url": request.build_absolute_uri(thread.get_absolute_url()),
    }
