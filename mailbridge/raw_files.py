"""Raw inbound messages kept as files, for the large ones.

A message over INTERCOOP_INBOUND_FILE_BYTES is not written into its row: the gateway
writes it to the "inbound" storage (common/storage.py) before the row that names it
(`InboundMessage.raw_file`) is committed, and only then answers 250. Under the data
dir that is `<data dir>/inbound/` (a temporary name, the bytes, fsync, rename, fsync
of the directory); with an object store, the PUT completed. A row in the database
that holds tens of megabytes costs the gateway a copy of them in the driver and the
database's own buffers; a file costs a write. A crash between the file and the row
leaves a file no row names, never a row without its file. `InboundMessage.raw_bytes()`
reads either kind, so the pipeline does not know where the bytes were; the file goes
when its row is deleted (mailbridge.apps connects `raw_file_delete_with_row`).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from django.db import transaction

from common.storage import file_storage, local_path, parts_file

logger = logging.getLogger(__name__)


def raw_file_write(parts: list[bytes]) -> str:
    """Write the concatenation of `parts` durably; the file's name (for the row)."""
    name = f"{uuid.uuid4().hex}.eml"
    file_storage("inbound").save(name, parts_file(parts, name))
    return name


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
