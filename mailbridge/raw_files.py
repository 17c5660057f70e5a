"""Raw inbound messages kept as files, for the large ones.

A message over INTERCOOP_INBOUND_FILE_BYTES is not written into its row: the gateway
writes it under `<data dir>/inbound/` (a temporary name, the bytes, fsync, rename,
fsync of the directory) before the row that names it (`InboundMessage.raw_file`) is
committed, and only then answers 250. A row in the database that holds tens of
megabytes costs the gateway a copy of them in the driver and the database's own
buffers; a file costs a write. A crash between the file and the row leaves a file
no row names, never a row without its file. `InboundMessage.raw_bytes()` reads
either kind, so the pipeline does not know where the bytes were; the file goes when
its row is deleted (mailbridge.apps connects `raw_file_delete_with_row`).
"""

from __future__ import annotations

import logging
import os
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


def raw_file_write(parts: list[bytes]) -> str:
    """Write the concatenation of `parts` durably; the file's name (for the row)."""
    directory = raw_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.eml"
    partial = directory / f".{name}.part"
    with open(partial, "wb") as file:
        for part in parts:
            file.write(part)
        file.flush()
        os.fsync(file.fileno())
    os.rename(partial, directory / name)
    _fsync_dir(directory)
    return name


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
