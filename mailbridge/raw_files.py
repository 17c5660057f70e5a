"""Raw inbound messages kept as files, for the large ones.

A message over INTERCOOP_INBOUND_FILE_BYTES is not written into its row: the gateway
writes it under `<data dir>/inbound/` as its DATA arrives (a temporary name, the
bytes, fsync, rename, fsync of the directory: `RawFileWriter`) before the row that
names it (`InboundMessage.raw_file`) is committed, and only then answers 250. A row
in the database that holds tens of megabytes costs the gateway a copy of them in the
driver and the database's own buffers; a file costs a write. A crash between the
file and the row leaves a file no row names, never a row without its file: such
files, and the temporary ones of a DATA cut short, are removed once older than
`ORPHAN_GRACE` (`raw_files_sweep`, run by the inbound sweeper). `InboundMessage.raw_bytes()`
reads either kind, so the pipeline does not know where the bytes were; the file goes
when its row is deleted (mailbridge.apps connects `raw_file_delete_with_row`).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def raw_dir() -> Path:
    return Path(settings.INTERCOOP_INBOUND_DIR)


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class RawFileWriter:
    """One raw message written as it arrives: `write` its bytes in order, then `keep`
    (durable, renamed, its name for the row) or `discard`. Blocking calls: the
    gateway makes them in a thread."""

    def __init__(self):
        self.directory = raw_dir()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.name = f"{uuid.uuid4().hex}.eml"
        self.partial = self.directory / f".{self.name}.part"
        self.file = open(self.partial, "wb")  # noqa: SIM115 - closed by keep or discard

    def write(self, data: bytes | bytearray) -> None:
        self.file.write(data)

    def keep(self) -> str:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.rename(self.partial, self.directory / self.name)
        _fsync_dir(self.directory)
        return self.name

    def discard(self) -> None:
        self.file.close()
        self.partial.unlink(missing_ok=True)


def raw_file_path(name: str) -> Path:
    path = raw_dir() / name
    if path.parent != raw_dir():  # a name from the row, never a path elsewhere
        raise ValueError(f"not a raw message file name: {name!r}")
    return path


def raw_file_read(name: str) -> bytes:
    return raw_file_path(name).read_bytes()


def raw_file_remove(name: str) -> None:
    try:
        raw_file_path(name).unlink(missing_ok=True)
    except (OSError, ValueError):
        logger.warning("cannot remove the raw message file %r", name, exc_info=True)


def raw_file_delete_with_row(sender, instance, **_kwargs) -> None:
    """post_delete of an InboundMessage: its file goes once the deletion commits."""
    if instance.raw_file:
        transaction.on_commit(lambda name=instance.raw_file: raw_file_remove(name))


# A file younger than this may belong to a DATA still arriving or to a row not yet
# committed; an older one that no row names is an orphan.
ORPHAN_GRACE = 3600.0


def raw_files_sweep(*, grace: float = ORPHAN_GRACE, now: float | None = None) -> int:
    """Remove the files under the inbound dir older than `grace` seconds that no row
    names (a crash between the file and its row, a DATA cut short); how many."""
    from mailbridge.models import InboundMessage

    directory = raw_dir()
    if not directory.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - grace
    old: list[Path] = []
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                old.append(path)
        except OSError:  # removed meanwhile
            continue
    named: set[str] = set()
    finished = [path.name for path in old if not path.name.startswith(".")]
    for start in range(0, len(finished), 500):
        chunk = finished[start : start + 500]
        rows = InboundMessage.objects.filter(raw_file__in=chunk)
        named.update(rows.values_list("raw_file", flat=True))
    removed = 0
    for path in old:
        if path.name in named:
            continue
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    if removed:
        logger.warning("removed %d raw message file(s) that no row names", removed)
    return removed
