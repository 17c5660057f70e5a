"""The parsed message: the standard library's EmailMessage, reading each header once.

With `policy.default` every `get()` parses the header anew into a header object
(RFC 2047 words, addresses, RFC 2231 parameters), and `get_content_type()`,
`get_param()` and `get_filename()` go through `get()`. The steps ask the same few
headers of every part many times (content type, disposition, filename), which showed
in a worker's profile (docs/benchmarks.md, "Costs behind the code"). `ParsedMessage`
keeps what `get()` returned, per part and header name, and forgets it when a header
changes.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

_READ = "_intercoop_read_headers"


class ParsedMessage(EmailMessage):
    def get(self, name, failobj=None):
        read = self.__dict__.get(_READ)
        if read is None:
            read = self.__dict__[_READ] = {}
        key = name.lower()
        try:
            value = read[key]
        except KeyError:
            value = read[key] = super().get(name)
        return failobj if value is None else value

    def _forget(self) -> None:
        self.__dict__.pop(_READ, None)


def _forgetting(method_name: str):
    inherited = getattr(EmailMessage, method_name)

    def method(self, *args, **kwargs):
        self._forget()
        return inherited(self, *args, **kwargs)

    method.__name__ = method_name
    method.__doc__ = inherited.__doc__
    return method


# Every EmailMessage method that writes headers, directly or through another one.
for _name in (
    "__setitem__",
    "__delitem__",
    "add_header",
    "replace_header",
    "set_raw",
    "set_param",
    "del_param",
    "set_type",
    "set_boundary",
    "set_charset",
    "set_payload",
    "set_content",
    "clear",
    "clear_content",
    "make_related",
    "make_alternative",
    "make_mixed",
    "add_related",
    "add_alternative",
    "add_attachment",
):
    setattr(ParsedMessage, _name, _forgetting(_name))


def parse_bytes(raw: bytes) -> ParsedMessage:
    """`raw` parsed with policy.default, every part a ParsedMessage."""
    return BytesParser(_class=ParsedMessage, policy=policy.default).parsebytes(raw)
