"""What a live page's browser sends, read strictly: its language, the seq it asks to
resume after, and how fast it may send (realtime.consumers)."""

import time
from types import SimpleNamespace
from urllib.parse import parse_qs

from django.utils import translation


class TokenBucket:
    """At most `capacity` messages at once, refilled at capacity/per_seconds a second."""

    def __init__(self, capacity: int, per_seconds: float):
        self.capacity = capacity
        self.rate = capacity / per_seconds
        self.tokens = float(capacity)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def scope_language(scope) -> str:
    """The reader's language as LocaleMiddleware decides it for pages: the language
    cookie, else Accept-Language, else the site's default."""
    headers = dict(scope.get("headers") or [])
    request = SimpleNamespace(
        COOKIES=scope.get("cookies") or {},
        META={"HTTP_ACCEPT_LANGUAGE": headers.get(b"accept-language", b"").decode("latin-1")},
    )
    return translation.get_language_from_request(request)


def scope_after(scope) -> int | None:
    """`?after=<seq>` from the URL; None when absent; ValueError when malformed."""
    values = parse_qs((scope.get("query_string") or b"").decode("latin-1")).get("after")
    if not values:
        return None
    return seq_parse(values[0])


def seq_parse(value) -> int:
    if isinstance(value, bool):
        raise ValueError("a seq is a number")
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise ValueError("a seq is a number")
        value = int(value)
    if not isinstance(value, int) or not 0 <= value < 10**18:
        raise ValueError("a seq is a non-negative integer")
    return value
