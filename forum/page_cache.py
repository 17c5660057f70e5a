"""The page cache for readers who are not signed in.

Every anonymous reader of a thread or board sees the same page, so it is rendered once
and served from the cache until something on it changes. Nothing is served stale:

- Each cached page is stored under *version tokens*: one for the whole site and one for
  its thread or board. Saving or deleting what a page shows (a post, a thread, an
  attachment, a board, the event, a session, a profile, a user's name) replaces the
  tokens it touches, so the next reader misses and renders afresh. Tokens are replaced
  at once and again when the transaction commits: a page rendered in between from the
  old rows is stored under a token nobody asks for any more.
- A token missing from the cache (evicted, expired, a new cache) is created at random,
  never reset to a value an older page was stored under. Tokens are named with a digest
  of the code and templates (`release()`), so a deploy starts from new tokens.
- Pages live `INTERCOOP_PAGE_CACHE_SECONDS` at most (0 turns the cache off), in Django's
  cache: Redis when REDIS_URL is set, shared by web processes and workers that write
  posts; memory in the one-process embedded run.

The only per-reader part of an anonymous page is the CSRF token of the language form; it
is stored as a placeholder and filled for each request. Pages with flash messages, other
statuses than 200, or unknown query parameters are neither served from nor put in the
cache. A cache that does not answer is skipped: the page is rendered as if not cached.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token

logger = logging.getLogger(__name__)

SITE = "site"
_PLACEHOLDER = "\x00csrf\x00"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_VERSION_SECONDS = 7 * 24 * 3600


def thread_scope(thread_id: int) -> str:
    return f"thread:{thread_id}"


def board_scope(slug: str) -> str:
    return f"board:{slug}"


def _version_key(scope: str) -> str:
    return f"page-version:{release()}:{scope}"


_release: str | None = None


def release() -> str:
    """A digest of the code and templates this process renders with: after a deploy
    that changes either, every token is new, so no page or fragment rendered by the
    old code is served (processes still running the old code keep their own)."""
    global _release
    if _release is None:
        root = Path(settings.BASE_DIR)
        digest = hashlib.blake2b(digest_size=6)
        for folder in ("templates", "forum", "realtime", "mailbridge", "config"):
            for path in sorted((root / folder).rglob("*")):
                if path.suffix in (".py", ".html", ".mo") and path.is_file():
                    stat = path.stat()
                    digest.update(
                        f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode()
                    )
        _release = digest.hexdigest()
    return _release


def _page_key(versions: Iterable[str], language: str, path: str) -> str:
    return f"page:{':'.join(versions)}:{language}:{path}"


def versions(scopes: list[str]) -> list[str]:
    """The current token of each scope, creating the missing ones at random."""
    keys = [_version_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, secrets.token_hex(6), _VERSION_SECONDS)
            # add() keeps a token another process just created: read the winner.
            found[key] = cache.get(key) or secrets.token_hex(6)
    return [found[key] for key in keys]


def invalidate(scopes: Iterable[str]) -> None:
    """Replace the tokens of `scopes` now and once the current transaction commits."""
    scopes = list(dict.fromkeys(scopes))
    if not scopes:
        return
    _replace(scopes)
    transaction.on_commit(lambda: _replace(scopes))


def forget_all() -> None:
    """Make every cached page unreachable (a new site token)."""
    _replace([SITE])


def _replace(scopes: list[str]) -> None:
    try:
        cache.set_many(
            {_version_key(scope): secrets.token_hex(6) for scope in scopes}, _VERSION_SECONDS
        )
    except Exception:
        # A cache that cannot be written cannot be read either (see cached_for_anonymous).
        logger.warning("page cache: could not replace versions %s", scopes, exc_info=True)


def _cacheable_request(request, allowed_params: frozenset[str]) -> bool:
    return (
        settings.INTERCOOP_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and set(request.GET) <= allowed_params
        and len(get_messages(request)) == 0
    )


def cached_for_anonymous(
    scopes: Callable[..., list[str]], *, params: Iterable[str] = ("page",)
) -> Callable:
    """Decorate a page view: anonymous GETs are served from the cache when they can be.

    `scopes(**view_kwargs)` names what the page shows besides the site as a whole."""
    allowed = frozenset(params)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable_request(request, allowed):
                return view(request, *args, **kwargs)
            try:
                tokens = versions([SITE, *scopes(**kwargs)])
                key = _page_key(tokens, request.LANGUAGE_CODE, request.get_full_path())
                stored = cache.get(key)
            except Exception:
                logger.warning("page cache unavailable; rendering", exc_info=True)
                return view(request, *args, **kwargs)
            if stored is not None:
                content_type, body = stored
                response = HttpResponse(
                    body.replace(_PLACEHOLDER, get_token(request)), content_type=content_type
                )
                response["X-Page-Cache"] = "hit"
                return response
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                _store(key, response)
                response["X-Page-Cache"] = "miss"
            return response

        return wrapper

    return decorate


def _store(key: str, response: HttpResponse) -> None:
    charset = response.charset or "utf-8"
    body = _CSRF_INPUT.sub(rf"\g<1>{_PLACEHOLDER}\g<2>", response.content.decode(charset))
    try:
        cache.set(key, (response["Content-Type"], body), settings.INTERCOOP_PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("page cache: could not store %s", key, exc_info=True)
