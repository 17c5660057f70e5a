"""What every answer reads of a questionnaire, kept in the cache per version of it.

Each web answer, email answer and confirmation mail reads the questionnaire's
questions with their options, and the form page of someone who has typed nothing
yet is the same for everyone reading in one language. Both are kept in Django's
cache (Redis when REDIS_URL is set, shared by web processes and workers) under a
version token of the questionnaire (forum.page_cache's tokens, scope
`questionnaire:<id>`), replaced when the questionnaire, one of its questions or one
of their options is saved or deleted (forum/page_invalidation.py; a renumbering,
written in bulk, replaces it itself): at once and again when the transaction
commits, so a value computed from rows being changed is stored under a token nobody
asks for any more. A value computed inside a transaction (which may see its own
uncommitted writes) is used but not stored. A cache that does not answer is
skipped: the value is computed as if not cached.

The process also keeps the last values it read, under the same keys: a key names
one version, so a value kept is never stale, and the version's token is still asked
of the cache each time. Callers get the kept object itself: they must not change it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

from forum import page_cache

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Long enough to serve a questionnaire's answering; a new version is a new key anyway.
KEEP_SECONDS = 3600
# Values kept by the process (a few questionnaires, their forms in each language).
KEPT_HERE = 64
_here: dict[str, tuple[object, float]] = {}  # key: (value, monotonic time it goes)


def scope(questionnaire_id: int) -> str:
    return f"questionnaire:{questionnaire_id}"


def cached(
    questionnaire_id: int, name: str, compute: Callable[[], T], seconds: int = KEEP_SECONDS
) -> T:
    """compute()'s value for the questionnaire's current version, computed once per
    version (`name` says which value: the same name must mean the same computation),
    kept `seconds` at most."""
    try:
        [token] = page_cache.versions([scope(questionnaire_id)])
        key = f"questionnaire-cache:{questionnaire_id}:{token}:{name}"
        kept = _here.get(key)
        if kept is not None and kept[1] > time.monotonic():
            return kept[0]
        found = cache.get(key)
    except Exception:
        logger.warning("questionnaire cache unavailable; computing", exc_info=True)
        return compute()
    if found is not None:
        _keep_here(key, found, seconds)
        return found
    value = compute()
    if not connection.in_atomic_block:
        try:
            cache.set(key, value, seconds)
        except Exception:
            logger.warning("questionnaire cache: could not store %s", key, exc_info=True)
        else:
            _keep_here(key, value, seconds)
    return value


def _keep_here(key: str, value, seconds: int) -> None:
    now = time.monotonic()
    if len(_here) >= KEPT_HERE:
        for old in [k for k, (_value, until) in _here.items() if until <= now]:
            _here.pop(old, None)
        if len(_here) >= KEPT_HERE:
            _here.clear()  # old versions go with the rest; the next reads fill it again
    _here[key] = (value, now + seconds)


def changed(questionnaire_id: int) -> None:
    """The questionnaire or its questions changed: every cached value of it is stale."""
    page_cache.invalidate([scope(questionnaire_id)])
