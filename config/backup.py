"""`intercoop backup` and `intercoop restore`: the database and the data dir in one file.

A backup is a `.tar.gz` holding `manifest.json` (format, time, database, the
migrations applied, the files of each kind), `database.intercoopjson` (every row
with its own id, Django's `dumpdata` in JSON with times kept to the microsecond:
`backup_format.py`) and `data/` (the data dir: the generated secret key, mail written
to files), without the SQLite database itself and without the static files
(`collectstatic` makes them again). The attachments, large raw messages and DKIM keys
are under `data/attachments/`, `data/inbound/` and `data/dkim/` wherever they live
(common/storage.py): read from the data dir or listed and read from the object
store, and restored into whichever the restoring installation uses, so that an
installation moves from its data dir to a bucket, and back, through a backup.

Why `dumpdata` rather than `pg_dump`: one format for both databases, so a backup of
the embedded run (SQLite) restores into PostgreSQL when an installation moves to
production, and back; and no PostgreSQL client of the server's major version is
needed where the command runs (pg_dump refuses a server newer than itself, and the
image's distribution ships an older client than the compose file's server). The rows
are read in one transaction (REPEATABLE READ on PostgreSQL): a consistent snapshot
while the site runs. Content types and permissions are not dumped: `migrate` makes
them, and the rows that name them do so by natural key. Every other row keeps its
id: signed links and reply tokens name people and posts by theirs.

A restore goes into an empty database (migrated here first, to the migrations the
backup lists, which the code must have) and replaces the files it holds (in the data
dir, or the bucket); a database that holds rows is refused unless `--force`, which
flushes it (files no row names any more stay where they are).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import tarfile
import tempfile
from pathlib import Path

from common.storage import KINDS, file_storage, local_path, stored_names
from config import backup_format

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = f"database.{backup_format.NAME}"
DATA = "data"
# Made again by migrate (content types, permissions) or by collectstatic.
NOT_DUMPED = ("contenttypes", "auth.permission")

logger = logging.getLogger(__name__)


class BackupError(Exception):
    """The backup cannot be made or restored; the message says what to fix."""


def _sqlite_files() -> set[Path]:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return set()
    name = Path(database["NAME"]).resolve()
    return {name, Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")}


def _data_files() -> list[Path]:
    """The data dir's own files; the kinds of common/storage.py are read from theirs."""
    from django.conf import settings

    root = Path(settings.DATA_DIR).resolve()
    skipped = _sqlite_files()
    folders = [Path(settings.STATIC_ROOT).resolve()]
    folders += [path.resolve() for kind in KINDS if (path := local_path(file_storage(kind), ""))]
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.resolve() not in skipped
        and not any(path.resolve().is_relative_to(folder) for folder in folders)
    )


def _stored_listing() -> dict[str, list[str]]:
    """The names of each kind's files (common/storage.py), wherever they live."""
    return {kind: sorted(stored_names(file_storage(kind))) for kind in KINDS}


def _stored_add(archive: tarfile.TarFile, listing: dict[str, list[str]]) -> None:
    for kind, names in listing.items():
        storage = file_storage(kind)
        for name in names:
            with storage.open(name, "rb") as file:
                info = tarfile.TarInfo(f"{DATA}/{kind}/{name}")
                info.size = file.size
                info.mtime = int(dt.datetime.now().timestamp())
                info.mode = 0o600
                archive.addfile(info, file)


def _stored_restore(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bool:
    """Put a member of a kind of common/storage.py back into its storage."""
    from django.core.files import File

    kind, _, name = member.name.removeprefix(f"{DATA}/").partition("/")
    if kind not in KINDS or not name:
        return False
    with archive.extractfile(member) as stream:
        file_storage(kind).save(name, File(stream, name=name))
    return True


def applied_migrations() -> list[list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(
        [app, name] for app, name in MigrationRecorder.Migration.objects.values_list("app", "name")
    )


def _register_format() -> None:
    from django.core import serializers

    serializers.register_serializer(backup_format.NAME, "config.backup_format")


def _dump(stream) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    _register_format()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        call_command(
            "dumpdata",
            natural_foreign=True,
            exclude=list(NOT_DUMPED),
            format=backup_format.NAME,
            stdout=stream,
            verbosity=0,
        )


def backup(output: Path) -> dict:
    """Write the backup to `output`; returns the manifest."""
    from django.conf import settings
    from django.db import connection

    root = Path(settings.DATA_DIR).resolve()
    output = output.resolve()
    with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
        rows = Path(scratch) / DATABASE
        with rows.open("w", encoding="utf-8") as stream:
            _dump(stream)
        files = [path for path in _data_files() if path != output]
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": connection.vendor,
            "migrations": applied_migrations(),
            "files": len(files),
        }
        manifest["store"] = _store_described()
        partial = output.with_name(output.name + ".part")
        try:
            listing = _stored_listing()
            manifest["stored"] = {kind: len(names) for kind, names in listing.items()}
            with tarfile.open(partial, "w:gz") as archive:
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
                archive.add(rows, arcname=DATABASE)
                for path in files:
                    archive.add(path, arcname=f"{DATA}/{path.relative_to(root).as_posix()}")
                _stored_add(archive, listing)
        except (OSError, BackupError):
            partial.unlink(missing_ok=True)
            raise
        except Exception as exc:  # the object store's client errors
            partial.unlink(missing_ok=True)
            raise BackupError(f"{manifest['store']} cannot be read ({exc})") from exc
        partial.replace(output)
    return manifest


def _store_described() -> str:
    storage = file_storage(KINDS[0])
    bucket = getattr(storage, "bucket_name", None)
    return f"s3://{bucket}" if bucket else "data dir"


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def database_is_empty() -> bool:
    """No row in any table the backup would fill (migrations' own rows aside)."""
    from django.apps import apps
    from django.db import connection

    tables = set(connection.introspection.table_names())
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.app_label == "contenttypes" or label in NOT_DUMPED or label == "sites.site":
            continue
        if model._meta.db_table in tables and model._default_manager.exists():
            return False
    return True


def restore(source: Path, *, force: bool = False) -> dict:
    """Restore the backup `source` into this database and data dir; returns the manifest."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    try:
        archive = tarfile.open(source, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source} is not a backup of intercoop ({exc})") from exc
    with archive, tempfile.TemporaryDirectory() as scratch:
        manifest = _manifest(archive)
        call_command("migrate", interactive=False, verbosity=0)
        missing = {tuple(pair) for pair in manifest["migrations"]} - {
            tuple(pair) for pair in applied_migrations()
        }
        if missing:
            raise BackupError(
                f"the backup was made by a newer version of intercoop (migrations "
                f"{', '.join('.'.join(pair) for pair in sorted(missing)[:3])} unknown here)"
            )
        if not database_is_empty():
            if not force:
                raise BackupError(
                    "the database already holds data; restore into an empty one, or "
                    "pass --force to replace what it holds"
                )
            call_command("flush", interactive=False, verbosity=0)
        archive.extract(DATABASE, scratch, filter="data")
        _register_format()
        with transaction.atomic():
            call_command("loaddata", str(Path(scratch) / DATABASE), verbosity=0)
        _cache_emptied()
        root = Path(settings.DATA_DIR).resolve()
        members = [m for m in archive.getmembers() if m.name.startswith(f"{DATA}/") and m.isfile()]
        for member in members:
            try:
                if _stored_restore(archive, member):
                    continue
            except Exception as exc:  # the object store's client errors
                raise BackupError(f"{_store_described()} cannot be written ({exc})") from exc
            member.name = member.name.removeprefix(f"{DATA}/")
            archive.extract(member, root, filter="data")
    logger.info("restored %s (%s files)", source, len(members))
    return manifest


def _cache_emptied() -> None:
    """What the cache holds was read from the rows just replaced: accounts under ids
    that now name other people (forum.user_cache), sessions, pages. It goes with them
    (with Redis; the embedded run's memory cache is its server's own, gone when it
    restarts, as it must after a restore)."""
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception:
        logger.warning(
            "restore: the cache could not be emptied; empty it before serving the site, "
            "or accounts and pages of the rows replaced may be served a few minutes more",
            exc_info=True,
        )


def _manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError("the file holds no intercoop backup manifest") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not known here")
    return manifest
