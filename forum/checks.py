"""The forum's system checks of its settings (registered in ForumConfig.ready())."""

from __future__ import annotations

from common.checks import Bounds, bounds_check

BOUNDS = (
    Bounds("INTERCOOP_POST_MAX_CHARS", "forum.E001", least=1),
    Bounds("INTERCOOP_EDIT_WINDOW_MINUTES", "forum.E002", least=0),
    Bounds("INTERCOOP_PAGE_CACHE_SECONDS", "forum.E003", least=0),
    Bounds("INTERCOOP_POSTS_PER_PAGE", "forum.E004", least=1, from_environment=False),
    Bounds("INTERCOOP_LIBRARY_FILE_MAX_BYTES", "forum.E005", least=1, from_environment=False),
)

settings_check = bounds_check(BOUNDS)
