"""The page cache: thread and board pages, for readers signed in or not.

Every anonymous reader of a thread or board sees the same page, and a signed-in reader
sees the same page again as long as nothing on it changed, so a page is rendered once
and served from the cache until then. Nothing is served stale, nor to anyone else:

- Each cached page is stored under *version tokens*: one for the whole site and one for
  its thread or board. Saving or deleting what a page shows (a post, a thread, an
  attachment, a board, the event, a session, a profile, a user's name) replaces the
  tokens it touches, so the next reader misses and renders afresh. Tokens are replaced
  at once and again when the transaction commits: a page rendered in between from the
  old rows is stored under a token nobody asks for any more.
- A signed-in reader's page is theirs alone: its key holds their id and their own token
  (`user:<id>`), replaced whenever something of theirs a page shows changes (their
  follows, registration, facilitation, mail suspension: forum/page_invalidation.py),
  and what the view says the page depends on besides (`reader`: on thread and board
  pages, the token of their read marks, `reads:<id>`).
- A token missing from the cache (evicted, expired, a new cache) is created at random,
  never reset to a value an older page was stored under. Tokens are named with a digest
  of the code and templates (`release()`), so a deploy starts from new tokens.
- Pages live `INTERCOOP_PAGE_CACHE_SECONDS` at most (0 turns the cache off), less when
  the view says so (`keep_at_most`: a page showing "Modifier" under the reader's own
  post leaves the cache before the edit window closes), in Django's cache: Redis when
  REDIS_URL is set, shared by web processes and workers that write posts; memory in
  the one-process embedded run.

A page many signed-in readers see alike (the synthesis: `shared_page`) is stored once
per variant the view names (their role) rather than per reader, and rendered again by
one request at a time while the others are served the previous render for a few
seconds (stale-while-revalidate, with a short lock in the cache).

The hidden inputs whose value belongs to one request (every form's CSRF token, the
reply box's double-submit key), and the reader's id on the live script, are cut out
of a stored page and filled in for each request (forum/page_gaps.py). With the cache
in the process's memory, a hit is served in the event loop (forum/page_cache_loop.py).
Pages with flash messages, other statuses than 200, or unknown query parameters are
neither served from nor put in the cache; a page the view or a template marks
(`do_not_store`, `{% page_not_stored %}`) is served but not kept. A cache that does not
answer is skipped: the page is rendered as if not cached.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

from forum import events
from forum.page_cache_loop import in_event_loop
from forum.page_gaps import cut
from forum.page_gaps import fill as _fill

logger = logging.getLogger(__name__)

SITE = "site"
_VERSION_SECONDS = 7 * 24 * 3600


def thread_scope(thread_id: int) -> str:
    return f"thread:{thread_id}"


def board_scope(slug: str) -> str:
    return f"board:{slug}"


# The pages listing several boards' threads (the index, the latest threads, the unread
# ones): any change of a board's page changes them too (see invalidate).
ACTIVITY = "activity"


def synthesis_scope(session_slug: str) -> str:
    """A session's synthesis page: its questionnaire's settings (shared, projected)."""
    return f"synthesis:{session_slug}"


def user_scope(user_id: int) -> str:
    """What a person's own pages show of them: follows, role, mail suspension."""
    return f"user:{user_id}"


def reads_scope(user_id: int) -> str:
    """How far a person has read the threads: their unread counts on board pages."""
    return f"reads:{user_id}"


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
        for folder in ("templates", "forum", "realtime", "mailbridge", "config", "common"):
            for path in sorted((root / folder).rglob("*")):
                if path.suffix in (".py", ".html", ".mo") and path.is_file():
                    stat = path.stat()
                    digest.update(
                        f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode()
                    )
        _release = digest.hexdigest()
    return _release


def versions(scopes: list[str]) -> list[str]:
    """The current token of each scope, creating the missing ones at random."""
    return _versions_and(scopes, "")[0]


def _versions_and(scopes: list[str], other: str) -> tuple[list[str], object]:
    """versions(scopes), and the value of the cache key `other` read with them."""
    keys = [_version_key(scope) for scope in scopes]
    found = cache.get_many([*keys, other] if other else keys)
    for key in keys:
        if key not in found:
            cache.add(key, secrets.token_hex(6), _VERSION_SECONDS)
            # add() keeps a token another process just created: read the winner.
            found[key] = cache.get(key) or secrets.token_hex(6)
    return [found[key] for key in keys], found.get(other)


def invalidate(scopes: Iterable[str]) -> None:
    """Replace the tokens of `scopes` now and once the current transaction commits.

    Inside forum.events.batched() (a worker's chunk of emailed replies) both wait for
    the block's end, after its commits, and the scopes of all its writes are replaced
    together in one cache call: their pages change then, when the chunk's live pushes
    go out (collected after these, so sent after the tokens are replaced)."""
    scopes = list(dict.fromkeys(scopes))
    if not scopes:
        return
    if ACTIVITY not in scopes and any(scope.startswith("board:") for scope in scopes):
        scopes.append(ACTIVITY)
    if not events.collect(_BATCH_KEY, [], _replace_collected):
        _replace(scopes)
    transaction.on_commit(lambda: _replace_later(scopes))


_BATCH_KEY = "forum.page_cache.replace"


def _replace_later(scopes: list[str]) -> None:
    if not events.collect(_BATCH_KEY, scopes, _replace_collected):
        _replace(scopes)


def _replace_collected(scopes: list[str]) -> None:
    if scopes:
        _replace(list(dict.fromkeys(scopes)))


def forget_all() -> None:
    """Make every cached page unreachable (a new site token)."""
    _replace([SITE])


def _replace(scopes: list[str]) -> None:
    try:
        cache.set_many(
            {_version_key(scope): secrets.token_hex(6) for scope in scopes}, _VERSION_SECONDS
        )
    except Exception:
        # A cache that cannot be written cannot be read either (see cached_page).
        logger.warning("page cache: could not replace versions %s", scopes, exc_info=True)


def keep_at_most(request, seconds: float) -> None:
    """The page rendered for `request` may stay `seconds` at most in the cache (less
    than one: it is not stored). For what changes with time alone."""
    current = getattr(request, "_page_cache_seconds", None)
    request._page_cache_seconds = seconds if current is None else min(current, seconds)
    # Counted from now: a page that took long to render is kept that much less.
    until = time.monotonic() + seconds
    request._page_cache_until = min(until, getattr(request, "_page_cache_until", until))


def do_not_store(request) -> None:
    """The page rendered for `request` is served but not kept."""
    keep_at_most(request, 0)


def _cacheable_request(request, allowed_params: frozenset[str], signed_in: bool) -> bool:
    return (
        settings.INTERCOOP_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and (signed_in or not request.user.is_authenticated)
        and set(request.GET) <= allowed_params
        and len(get_messages(request)) == 0
    )


def _page_key(request, scopes: list[str], reader, view_kwargs: dict) -> str:
    """The key of the page `request` asks for, from the tokens read now (before the
    view reads anything it shows: see the module)."""
    user = request.user
    if not user.is_authenticated:
        who = "a"
        tokens = versions([SITE, *scopes])
    else:
        tokens = versions([SITE, *scopes, user_scope(user.pk)])
        depends = ":".join(str(part) for part in reader(request, **view_kwargs))
        who = f"u{user.pk}:{depends}"
    return f"page:{who}:{':'.join(tokens)}:{request.LANGUAGE_CODE}:{request.get_full_path()}"


def cached_page(
    scopes: Callable[..., list[str]],
    *,
    params: Iterable[str] = ("page",),
    reader: Callable[..., Iterable] | None = None,
) -> Callable:
    """Decorate a page view: GETs are served from the cache when they can be.

    `scopes(**view_kwargs)` names what the page shows besides the site as a whole.
    `reader(request, **view_kwargs)`: what a signed-in reader's page depends on besides
    their id and their `user:<id>` token (values read now, or tokens of `versions`);
    without it, signed-in readers are not cached."""
    allowed = frozenset(params)

    def decorate(view):
        def hit(request, kwargs) -> HttpResponse | None:
            if not _cacheable_request(request, allowed, signed_in=reader is not None):
                return None
            stored = cache.get(_page_key(request, scopes(**kwargs), reader, kwargs))
            return _hit_response(stored, request) if stored is not None else None

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable_request(request, allowed, signed_in=reader is not None):
                return view(request, *args, **kwargs)
            try:
                key = _page_key(request, scopes(**kwargs), reader, kwargs)
                stored = cache.get(key)
            except Exception:
                logger.warning("page cache unavailable; rendering", exc_info=True)
                return view(request, *args, **kwargs)
            if stored is not None:
                return _hit_response(stored, request)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                seconds = _seconds_left(request)
                if seconds > 0:
                    _store(key, response, seconds)
                response["X-Page-Cache"] = "miss"
            return response

        # A hit is served in the event loop when it can be (forum/page_cache_loop.py).
        return in_event_loop(wrapper, hit)

    return decorate


def _seconds_left(request) -> int:
    """_lifetime, less the time since the view said how long (keep_at_most)."""
    until = getattr(request, "_page_cache_until", None)
    longest = _lifetime(request)
    return longest if until is None else int(min(longest, until - time.monotonic()))


def _hit_response(stored: tuple, request) -> HttpResponse:
    content_type, body = stored
    response = HttpResponse(_fill(body, request), content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return response


def _lifetime(request) -> int:
    """How many seconds the page rendered for `request` may stay (see keep_at_most)."""
    longest = settings.INTERCOOP_PAGE_CACHE_SECONDS
    return int(min(longest, getattr(request, "_page_cache_seconds", longest)))


def _store(key: str, response: HttpResponse, seconds: int, head: tuple = ()) -> None:
    try:
        cache.set(key, (*head, response["Content-Type"], cut(response.content)), seconds)
    except Exception:
        logger.warning("page cache: could not store %s", key, exc_info=True)


def share_page(request, variant: str) -> None:
    """The page rendered for `request` is the same for every signed-in reader whose
    request gives `variant`: `variant` names all the page shows of its reader (their
    role). What shows more of them (the mail-suspended banner) is not stored at all
    (`{% page_not_stored %}`), shared or not."""
    request._page_variant = variant


def shared_page(scopes: Callable[..., list[str]], *, params: Iterable[str], stale: float):
    """Decorate a signed-in page view whose page many readers see alike (the
    synthesis): one render serves every reader of the same variant, and when it is
    due again (its `keep_at_most` lifetime), one request renders it (a short lock in
    the cache) while the others are served the previous render, up to `stale` seconds
    old.

    Which variant a reader gets is what the view said when it rendered for them
    (share_page; without it, a page of their own), kept under their id and
    the tokens of SITE, `scopes` and `user:<id>`: a change of role, registration or
    what the scopes name gives a new key, and the view decides again. Access is thus
    checked by the view for each reader, then trusted while those tokens hold."""
    allowed = frozenset(params)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated or not _cacheable_request(request, allowed, True):
                return view(request, *args, **kwargs)
            try:
                # The reader's variant is read with the tokens, in one round trip, and
                # holds for these tokens only.
                variant_key = (
                    f"page-variant:u{user.pk}:{request.LANGUAGE_CODE}:{request.get_full_path()}"
                )
                tokens, remembered = _versions_and(
                    [SITE, *scopes(**kwargs), user_scope(user.pk)], variant_key
                )
                where = f"{':'.join(tokens[:-1])}:{request.LANGUAGE_CODE}:{request.get_full_path()}"
                known, variant = remembered or ("", None)
                if known != ":".join(tokens):
                    variant = None
                stored = cache.get(f"page-shared:{variant}:{where}") if variant else None
            except Exception:
                logger.warning("page cache unavailable; rendering", exc_info=True)
                return view(request, *args, **kwargs)
            if stored is not None:
                rendered_at, fresh, content_type, body = stored
                age = time.time() - rendered_at
                if age < fresh or (age < stale and not _lock(f"page-shared:{variant}:{where}")):
                    response = HttpResponse(_fill(body, request), content_type=content_type)
                    response["X-Page-Cache"] = "hit"
                    return response
            rendered_at = time.time()
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                fresh = _lifetime(request)
                variant = getattr(request, "_page_variant", None) or f"u{user.pk}"
                if fresh > 0:
                    key = f"page-shared:{variant}:{where}"
                    _store(key, response, int(max(fresh, stale)) + 1, (rendered_at, fresh))
                    try:
                        cache.set(
                            variant_key,
                            (":".join(tokens), variant),
                            settings.INTERCOOP_PAGE_CACHE_SECONDS,
                        )
                        cache.delete(f"{key}:rendering")
                    except Exception:
                        logger.warning("page cache: could not store %s", key, exc_info=True)
                response["X-Page-Cache"] = "miss"
            return response

        return wrapper

    return decorate


def _lock(key: str) -> bool:
    """Whether this request is the one to render `key` again (for a few seconds)."""
    try:
        return cache.add(f"{key}:rendering", 1, 5)
    except Exception:
        return True
