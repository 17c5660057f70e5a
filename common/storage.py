"""Where the product's files live: a directory of the data dir, or an object store.

Three kinds of file outlive the request that made them: the attachments of posts,
the large raw inbound messages and the DKIM key. Each kind is a named storage of
Django's STORAGES setting (`KINDS`), which config/env.py (`file_storages`) makes from
the environment: by default a directory of the data dir (`DataDirStorage`); with
INTERCOOP_S3_BUCKET, one prefix per kind in an S3-compatible bucket
(django-storages' S3Storage), which every web, worker and gateway process reaches
alike, on whatever host it runs.

Both keep one promise: when `save` returns, the bytes are durable (the file and its
directory fsync'd here; the PUT completed there), under the name the caller chose
(random, or the selector's), which a second save replaces rather than renames.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

KINDS = ("attachments", "inbound", "dkim")


def file_storage(kind: str) -> Storage:
    """The storage of one kind of file (`KINDS`)."""
    if kind not in KINDS:
        raise LookupError(f"no storage for {kind!r}; kinds: {', '.join(KINDS)}")
    return storages[kind]


def local_path(storage: Storage, name: str) -> Path | None:
    """The file's path when `storage` keeps files on this host's disk, else None."""
    try:
        return Path(storage.path(name))
    except NotImplementedError:  # an object store has no paths
        return None


def stored_names(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every name under `directory`, at any depth, in no promised order."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # a data dir whose folder was never made
        return
    for name in files:
        if not name.startswith("."):  # a file being written (`.name.part`)
            yield f"{directory}/{name}" if directory else name
    for sub in directories:
        yield from stored_names(storage, f"{directory}/{sub}" if directory else sub)


def fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class DataDirStorage(FileSystemStorage):
    """A directory of the data dir, read from a setting each time (tests move it), whose
    files are written durably: a temporary name, the bytes, fsync, rename, fsync of the
    directory. A crash leaves the old file or the new one, never half of one."""

    def __init__(self, setting: str = "DATA_DIR", subdir: str = "", file_mode: int = 0o644):
        super().__init__(file_permissions_mode=file_mode)
        self.setting = setting
        self.subdir = subdir

    @property
    def base_location(self) -> str:
        root = Path(getattr(settings, self.setting))
        return str(root / self.subdir if self.subdir else root)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def get_available_name(self, name, max_length=None):
        return name  # names are chosen by the caller: a second save replaces the file

    def _save(self, name, content):
        target = Path(self.path(name))  # safe_join: never outside the directory
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.part")
        mode = self.file_permissions_mode
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(descriptor, "wb") as file:
            for chunk in content.chunks():
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, target)
        fsync_directory(target.parent)
        return name


class _Parts(io.RawIOBase):
    """Bytes given in parts, read as one seekable stream without joining them."""

    def __init__(self, parts: list[bytes]):
        self._parts = [memoryview(part) for part in parts]
        self._size = sum(len(part) for part in self._parts)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer) -> int:
        written, start = 0, 0
        target = memoryview(buffer).cast("B")
        for part in self._parts:
            end = start + len(part)
            if self._position < end and written < len(target):
                begin = self._position - start
                count = min(len(part) - begin, len(target) - written)
                target[written : written + count] = part[begin : begin + count]
                written += count
                self._position += count
            start = end
        return written


def parts_file(parts: list[bytes], name: str = "") -> File:
    """A File of `parts` end to end (a message's trace header and its body), for
    `Storage.save`, without a copy of tens of megabytes joined in memory."""
    stream = _Parts(parts)
    file = File(stream, name=name)
    file.size = stream._size
    return file
