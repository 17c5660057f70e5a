"""A list's archive file → its messages, each with where it was found.

Two kinds of file, plain or gzipped:

- an mbox: messages each after a `From ` line ("From sender date"), a body line
  starting with "From " written ">From " (mboxrd: ">>From " for ">From ", undone
  by taking one ">" away; in mboxo the one ">" is taken away as well);
- Mailman 2's public archive (pipermail), one `YYYY-Month.txt.gz` per month: the
  same layout, with the addresses written "jean at exemple.org" and the text as the
  list received it, without MIME headers; read back as mail here.

A `From ` line is a separator only after an empty line (or at the file's start),
with a date at its end, and followed by a header: any other is a line of the body,
kept, and said as a problem of that message (an mboxo archive that did not quote
it). Each message comes with its position (file, byte offset of its `From ` line,
number in the file), which every problem found in it names.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import Header
from pathlib import Path

_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
FROM_LINE = re.compile(
    rb"^From (?P<sender>.+?)\s+" + _DAY + rb"\s+" + _MONTH
    + rb"\s+[ \d]?\d\s+\d\d:\d\d(?::\d\d)?(?:\s+\S+)?\s+\d{4}\s*$"
)  # fmt: skip
_UNQUOTED = "a line of its text starts with 'From ', unquoted (kept as text)"
_HEADER = re.compile(rb"^[!-9;-~]+:")
_QUOTED_FROM = re.compile(rb"^>(>*From )")
_PIPERMAIL_SENDER = re.compile(rb"^\S+ at \S+$")
_COMMENTED = re.compile(rb"(?i)^from:\s*(?P<address>[^\s()]+@[^\s()]+)\s+\((?P<name>[^()]+)\)\s*$")
_OBFUSCATED = re.compile(
    rb"(?i)^((?:from|reply-to|cc|to|sender):.*?)([\w.+=-]+) at ([\w-]+(?:\.[\w-]+)+)"
)


@dataclass
class RawMessage:
    file: str
    offset: int  # of its `From ` line, in the file's (uncompressed) bytes
    index: int  # its number in the file, from 1
    raw: bytes
    envelope: str = ""  # the `From ` line's sender and date
    pipermail: bool = False
    done_bytes: int = 0  # of the file read so far (compressed bytes for a .gz)
    problems: list[str] = field(default_factory=list)

    @property
    def position(self) -> str:
        return f"{self.file}: message {self.index} at byte {self.offset}"


def _opened(path: Path):
    handle = open(path, "rb")  # noqa: SIM115 - closed by the caller's with
    if handle.read(2) == b"\x1f\x8b":
        handle.seek(0)
        return gzip.GzipFile(fileobj=handle), handle
    handle.seek(0)
    return handle, handle


def archive_messages(path: Path) -> Iterator[RawMessage]:
    """The messages of the mbox or pipermail file at `path`, in order."""
    stream, underlying = _opened(path)
    with underlying:
        yield from _split(stream, underlying, str(path))


def _split(stream, underlying, name: str) -> Iterator[RawMessage]:
    lines: list[bytes] = []
    current: RawMessage | None = None
    pending: tuple[bytes, int] | None = None  # a `From ` line waiting for its next line
    offset = index = 0
    blank_before = True
    for line in stream:
        here, offset = offset, offset + len(line)
        if pending is not None:
            candidate, at = pending
            pending = None
            if _HEADER.match(line) or current is None:
                if current is not None:
                    yield _finished(current, lines, underlying)
                index += 1
                current = _started(candidate, name, at, index)
                lines = []
            else:
                if _UNQUOTED not in current.problems:
                    current.problems.append(_UNQUOTED)
                lines.append(candidate)
        bare = line.rstrip(b"\r\n")
        if blank_before and FROM_LINE.match(bare):
            pending = (bare, here)
            blank_before = False
            continue
        blank_before = not bare
        if current is None:
            continue  # whatever comes before the first message
        quoted = _QUOTED_FROM.match(bare)
        if bare.startswith(b"From ") and _UNQUOTED not in current.problems:
            current.problems.append(_UNQUOTED)  # an mboxo archive: kept, said
        lines.append(bare[1:] if quoted else bare)
    if pending is not None and current is not None:
        if _UNQUOTED not in current.problems:
            current.problems.append(_UNQUOTED)
        lines.append(pending[0])
    if current is not None:
        yield _finished(current, lines, underlying)


def _started(from_line: bytes, name: str, offset: int, index: int) -> RawMessage:
    envelope = from_line[5:].decode("latin-1").strip()
    sender = FROM_LINE.match(from_line).group("sender")
    return RawMessage(
        file=name,
        offset=offset,
        index=index,
        raw=b"",
        envelope=envelope,
        pipermail=bool(_PIPERMAIL_SENDER.match(sender)),
    )


def _finished(message: RawMessage, lines: list[bytes], underlying) -> RawMessage:
    while lines and not lines[-1]:
        lines.pop()  # the empty line before the next `From `
    if message.pipermail:
        lines = _pipermail_as_mail(lines)
    message.raw = b"\n".join(lines) + b"\n"
    try:
        message.done_bytes = underlying.tell()
    except (OSError, ValueError):
        message.done_bytes = 0
    return message


def _pipermail_as_mail(lines: list[bytes]) -> list[bytes]:
    """A pipermail entry as the mail it was: its addresses written back with "@",
    and the text labelled as what it is (UTF-8 when it decodes so, else Latin-1)."""
    try:
        end = lines.index(b"")
    except ValueError:
        end = len(lines)
    head = [_named(_OBFUSCATED.sub(rb"\1\2@\3", line)) for line in lines[:end]]
    body = lines[end:]
    if not any(line.lower().startswith(b"content-type:") for line in head):
        try:
            b"\n".join(body).decode("utf-8")
            charset = b"utf-8"
        except UnicodeDecodeError:
            charset = b"iso-8859-1"
        head += [
            b"MIME-Version: 1.0",
            b"Content-Type: text/plain; charset=" + charset,
            b"Content-Transfer-Encoding: 8bit",
        ]
    return head + body


def _named(line: bytes) -> bytes:
    """pipermail's `From: jean@exemple.org (Jean Dupont)` as `From: Jean Dupont
    <jean@exemple.org>`, the name encoded as a header wants it."""
    match = _COMMENTED.match(line)
    if not match:
        return line
    name = match.group("name").decode("utf-8", "replace")
    shown = name if name.isascii() else Header(name, "utf-8").encode()
    return b"From: " + shown.encode("ascii") + b" <" + match.group("address") + b">"


def archive_size(paths: list[Path]) -> int:
    """The bytes the files of an import hold on disk (what progress counts)."""
    return sum(path.stat().st_size for path in paths)
