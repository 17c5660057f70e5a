"""Raw inbound messages kept as files, for the large ones.

A message over INTERCOOP_INBOUND_FILE_BYTES is not written into its row: the gateway
writes it, as its DATA arrives, to the "inbound" storage (common/storage.py) before
the row that names it (`InboundMessage.raw_file`) is committed, and only then answers
250 (`RawFileWriter`). Under the data dir that is `<data dir>/inbound/`: a temporary
name, the bytes, fsync, rename, fsync of the directory; with an object store, the
bytes gather in a local temporary file and the PUT has completed before the 250. A row
in the database that holds tens of megabytes costs the gateway a copy of them in the
driver and the database's own buffers; a file costs a write. A crash between the file
and the row leaves a file no row names, never a row without its file: such files, and
the temporary ones of a DATA cut short, are removed once older than `ORPHAN_GRACE`
(`raw_files_sweep`, run by the inbound sweeper). `InboundMessage.raw_bytes()` reads
either kind, so the pipeline does not know where the bytes were; the file goes when
its row is deleted (mailbridge.apps connects `raw_file_delete_with_row`).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from datetime import UTC
from pathlib import Path

from django.core.files import File
from django.db import transaction

from common.storage import file_storage, fsync_directory, local_path, stored_names

logger = logging.getLogger(__name__)


class RawFileWriter:
    """One raw message written as it arrives: `write` its bytes in order, then `keep`
    (durable, its name for the row) or `discard`. Blocking calls: the gateway makes
    them in a thread."""

    def __init__(self):
        self.storage = file_storage("inbound")
        self.name = f"{uuid.uuid4().hex}.eml"
        target = local_path(self.storage, self.name)
        if target is not None:  # the data dir: written in place, renamed when kept
            self.directory = target.parent
            self.directory.mkdir(parents=True, exist_ok=True)
            self.partial: Path | None = self.directory / f".{self.name}.part"
            self.file = open(self.partial, "wb")  # noqa: SIM115 - closed by keep or discard
        else:  # an object store: a local temporary file, PUT when kept
            self.partial = None
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by keep or discard

    def write(self, data: bytes | bytearray) -> None:
        self.file.write(data)

    def keep(self) -> str:
        if self.partial is None:
            try:
                self.file.seek(0)
                self.storage.save(self.name, File(self.file, name=self.name))
            finally:
                self.file.close()
            return self.name
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.rename(self.partial, self.directory / self.name)
        fsync_directory(self.directory)
        return self.name

    def discard(self) -> None:
        self.file.close()
        if self.partial is not None:
            self.partial.unlink(missing_ok=True)


def raw_file_write(parts: list[bytes]) -> str:
    """Store the concatenation of `parts` as one raw file; its name (for the row)."""
    writer = RawFileWriter()
    try:
        for part in parts:
            writer.write(part)
    except BaseException:
        writer.discard()
        raise
    return writer.keep()


def _checked(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a raw message file name: {name!r}")  # never a path elsewhere
    return name


def raw_file_path(name: str) -> Path | None:
    """Where the file is on this host's disk (None in an object store)."""
    return local_path(file_storage("inbound"), _checked(name))


def raw_file_exists(name: str) -> bool:
    return file_storage("inbound").exists(_checked(name))


def raw_file_read(name: str) -> bytes:
    with file_storage("inbound").open(_checked(name), "rb") as file:
        return file.read()


def raw_file_remove(name: str) -> None:
    try:
        file_storage("inbound").delete(_checked(name))
    except Exception:  # a bad name, a disk or an object store that fails: it stays, orphaned
        logger.warning("cannot remove the raw message file %r", name, exc_info=True)


def raw_file_delete_with_row(sender, instance, **_kwargs) -> None:
    """post_delete of an InboundMessage: its file goes once the deletion commits."""
    if instance.raw_file:
        transaction.on_commit(lambda name=instance.raw_file: raw_file_remove(name))


# A file younger than this may belong to a DATA still arriving or to a row not yet
# committed; an older one that no row names is an orphan.
ORPHAN_GRACE = 3600.0


def _modified(storage, name: str) -> float | None:
    try:
        moment = storage.get_modified_time(name)
    except (OSError, NotImplementedError):  # removed meanwhile
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def raw_files_sweep(*, grace: float = ORPHAN_GRACE, now: float | None = None) -> int:
    """Remove the stored raw files older than `grace` seconds that no row names (a
    crash between the file and its row; on the data dir, the temporary file of a DATA
    cut short too); how many."""
    from mailbridge.models import InboundMessage

    storage = file_storage("inbound")
    cutoff = (time.time() if now is None else now) - grace
    old = [
        name
        for name in stored_names(storage)
        if (moment := _modified(storage, name)) is not None and moment < cutoff
    ]
    named: set[str] = set()
    finished = [name for name in old if not name.startswith(".")]
    for start in range(0, len(finished), 500):
        chunk = finished[start : start + 500]
        rows = InboundMessage.objects.filter(raw_file__in=chunk)
        named.update(rows.values_list("raw_file", flat=True))
    removed = 0
    for name in old:
        if name in named:
            continue
        try:
            storage.delete(name)
            removed += 1
        except FileNotFoundError:
            continue
    removed += _partial_files_sweep(storage, cutoff)
    if removed:
        logger.warning("removed %d raw message file(s) that no row names", removed)
    return removed


def _partial_files_sweep(storage, cutoff: float) -> int:
    """On the data dir, the `.name.part` files of DATAs cut short by a crash."""
    directory = local_path(storage, "probe.eml")
    if directory is None or not directory.parent.is_dir():
        return 0
    removed = 0
    for path in directory.parent.glob(".*.part"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
