"""The shared part of each post on a thread page, rendered once and reused.

Most of a post (its header, body, attachments, "Afficher le message entier" and the
"Répondre"/"Citer" links: forum/_post_content.html and forum/_post_reply_links.html)
is the same for every reader with the same language, role (moderator or not), right
to reply and page. It is kept in Django's cache under the version tokens of
forum.page_cache (the site and the thread), which change whenever anything a post
shows changes: nothing is served stale. What depends on the reader (the new-message
mark, "Modifier", the moderators' forms with their CSRF token) stays in
forum/_post.html, rendered for each request around the stored HTML.

Read the tokens *before* the posts (`tokens_for`): a post changed in between is then
stored under a token already replaced, never under the one readers ask for.

Fragments live `INTERCOOP_PAGE_CACHE_SECONDS` at most (0: rendered every time, nothing
stored). A cache that fails is skipped: the fragments are rendered as if not cached.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from forum import page_cache
from forum.models import Post, Thread

logger = logging.getLogger(__name__)

CONTENT_TEMPLATE = "forum/_post_content.html"
REPLY_LINKS_TEMPLATE = "forum/_post_reply_links.html"


def tokens_for(thread: Thread) -> list[str] | None:
    """The tokens fragments of `thread` are stored under; None when not caching."""
    if settings.INTERCOOP_PAGE_CACHE_SECONDS <= 0:
        return None
    try:
        return page_cache.versions([page_cache.SITE, page_cache.thread_scope(thread.pk)])
    except Exception:
        logger.warning("post fragments: cache unavailable; rendering", exc_info=True)
        return None


def attach(
    posts: Sequence[Post],
    *,
    thread: Thread,
    tokens: list[str] | None,
    page,
    moderator: bool,
    reply_form,
    load_full=None,
) -> None:
    """Set `content_html` and `reply_links_html` (SafeStrings) on each of `posts`, the
    posts of `page`, from the cache where they are, rendered otherwise.

    `reply_form`: the page's reply form, or None where the page shows none (and its
    posts no "Répondre" or "Citer" link). `tokens`: from `tokens_for`, read before the
    posts were. `page` and `reply_form` are the page's own objects, so that a test
    reading `response.context` finds the page's values, not stand-ins.
    `load_full(pks)`: for `posts` read light (forum.selectors.posts_page), the posts
    to render with all they show, by pk; only the ones not in the cache are asked."""
    if not posts:
        return
    page_post_ids = {post.pk for post in posts}
    context = {
        "thread": thread,
        "page": page,
        "page_post_ids": page_post_ids,
        "moderator": moderator,
        "reply_form": reply_form,
    }
    keys = {}
    if tokens is not None:
        prefix = ":".join(
            [
                "post-fragment",
                *tokens,
                get_language() or settings.LANGUAGE_CODE,
                "m" if moderator else "p",
                "n" if reply_form is None else "r",
                str(page.number),
            ]
        )
        keys = {
            # Whether the answered post is on this page decides where "en réponse à" leads.
            post.pk: f"{prefix}:{post.pk}:{'a' if post.in_reply_to_id in page_post_ids else 'b'}"
            for post in posts
        }

    found = {}
    if keys:
        try:
            found = cache.get_many(list(keys.values()))
        except Exception:
            logger.warning("post fragments: cache unavailable; rendering", exc_info=True)
            keys = {}  # a cache that cannot be read is not written either

    to_render = [post for post in posts if found.get(keys.get(post.pk)) is None]
    full = load_full([post.pk for post in to_render]) if load_full and to_render else {}
    missing = {}
    for post in posts:
        stored = found.get(keys.get(post.pk))
        if stored is None:
            stored = _render(full.get(post.pk, post), context)
            if keys:
                missing[keys[post.pk]] = stored
        content, reply_links = stored
        post.content_html = SafeString(content)
        post.reply_links_html = SafeString(reply_links)

    if missing:
        try:
            cache.set_many(missing, settings.INTERCOOP_PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning(
                "post fragments: could not store %d fragments", len(missing), exc_info=True
            )


def _render(post: Post, context: dict) -> tuple[str, str]:
    context = {**context, "post": post}
    content = render_to_string(CONTENT_TEMPLATE, context)
    return content, render_to_string(REPLY_LINKS_TEMPLATE, context)
