"""The forum's system checks of its settings (forum/checks.py)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from common.checks import TAG


def _ids() -> list[str]:
    return [message.id for message in run_checks(tags=[TAG]) if message.id.startswith("forum.")]


def test_the_default_settings_pass():
    assert _ids() == []


@pytest.mark.parametrize(
    ("name", "value", "error_id"),
    [
        ("INTERCOOP_POST_MAX_CHARS", 0, "forum.E001"),
        ("INTERCOOP_EDIT_WINDOW_MINUTES", -1, "forum.E002"),
        ("INTERCOOP_PAGE_CACHE_SECONDS", -300, "forum.E003"),
        ("INTERCOOP_POSTS_PER_PAGE", 0, "forum.E004"),
        ("INTERCOOP_LIBRARY_FILE_MAX_BYTES", 0, "forum.E005"),
    ],
)
def test_a_bad_value_is_reported_with_its_id(settings, name, value, error_id):
    setattr(settings, name, value)
    assert _ids() == [error_id]
