"""The values of a cached page that belong to one request: cut out when the page is
stored, filled in for each request that is served it (forum/page_cache.py).

They are the hidden inputs of every form's CSRF token and of the reply box's
submission key (two views sharing one would make two replies one), and the reader's id
on the live script (data-live-user: the same on a reader's own page, the request's own
on a page many share). A caller may cut more gaps, where it rendered the page with
marks in the place of values it gives when filling it (forum/questionnaire_link_page.py:
the link's token and person).

A page is stored as its bytes cut around those values: stretches of bytes and, between
them, the name of the value that goes there. Serving it joins the stretches and this
request's values, each made once: no page to search, decode or encode again (the
pages' sizes and what filling them cost: docs/benchmarks.md, "Costs behind the code").
The stored bytes are the response's, in its charset (ASCII-compatible: UTF-8 here).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.middleware.csrf import get_token

from forum.board_forms import new_submission_key

_PER_REQUEST_VALUE = re.compile(
    rb'((?:name="(?P<input>csrfmiddlewaretoken|submission_key)" value="'
    rb'|data-(?P<data>live-user)="))[^"]*(")'
)
_VALUES: dict[str, Callable] = {
    "csrfmiddlewaretoken": get_token,
    "submission_key": lambda request: new_submission_key(),
    "live-user": lambda request: str(request.user.pk) if request.user.is_authenticated else "",
}


def cut(content: bytes, marks: dict[str, bytes] | None = None) -> tuple:
    """`content` as stretches of bytes and, between them, the names of the values;
    `marks` ({name: bytes}): more gaps, where the page was rendered with those bytes in
    the place of a value its caller gives `fill`."""
    parts: list = []
    start = 0
    for match in _PER_REQUEST_VALUE.finditer(content):
        parts += [content[start : match.end(1)], (match["input"] or match["data"]).decode()]
        start = match.start(4)
    parts.append(content[start:])
    if not marks:
        return tuple(parts)
    named = {mark: name for name, mark in marks.items()}
    pattern = re.compile(b"(" + b"|".join(re.escape(mark) for mark in named) + b")")
    split: list = []
    for part in parts:
        if type(part) is str:
            split.append(part)
            continue
        pieces = pattern.split(part)  # stretches, with the marks found between them
        split += [named[piece] if n % 2 else piece for n, piece in enumerate(pieces)]
    return tuple(split)


def fill(parts: tuple, request, given: dict[str, bytes] | None = None) -> bytes:
    """The page cut by `cut`, with this request's own values in its gaps (those of
    `cut`'s marks from `given`)."""
    values: dict[str, bytes] = dict(given or {})
    filled = []
    for part in parts:
        if type(part) is str:
            if part not in values:
                values[part] = _VALUES[part](request).encode()
            part = values[part]
        filled.append(part)
    return b"".join(filled)
