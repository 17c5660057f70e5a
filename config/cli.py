"""The `intercoop` command: parse options, call the sub-command's function (`cmd_*`).

    intercoop run      everything in one process on embedded defaults
    intercoop web      the ASGI server (HTTP + websockets)
    intercoop worker   a Celery worker
    intercoop beat     the Celery beat scheduler
    intercoop smtp     the SMTP gateway
    intercoop seed     load the Intercoop 2007 programme (idempotent)
    intercoop backup   the database and the data dir to one file; `restore` puts it back
    intercoop import-mbox <network-slug> FILE…   a list's archive into the network's board

A configuration problem ends with one line saying what to fix, exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys

from config.errors import Abort
from config.preflight import check_port_free, check_workers_share_state

DEFAULT_HOST = "127.0.0.1"
DEFAULT_WEB_PORT = 8000
DEFAULT_SMTP_PORT = 2525


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intercoop", description="Intercoop: forum + mailing lists"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    run = commands.add_parser("run", help="everything in one process (embedded defaults)")
    run.add_argument("--host", default=DEFAULT_HOST)
    run.add_argument("--port", type=int, default=DEFAULT_WEB_PORT, help="HTTP port (default 8000)")
    run.add_argument(
        "--smtp-port", type=int, default=DEFAULT_SMTP_PORT, help="SMTP port (default 2525)"
    )
    run.set_defaults(handler=cmd_run)

    web = commands.add_parser("web", help="ASGI server: HTTP + websockets")
    web.add_argument("--host", default=DEFAULT_HOST)
    web.add_argument("--port", type=int, default=DEFAULT_WEB_PORT)
    web.add_argument("--workers", type=int, default=1)
    web.set_defaults(handler=cmd_web)

    smtp = commands.add_parser("smtp", help="SMTP gateway")
    smtp.add_argument("--host", default=DEFAULT_HOST)
    smtp.add_argument("--port", type=int, default=DEFAULT_SMTP_PORT)
    smtp.set_defaults(handler=cmd_smtp)

    worker = commands.add_parser("worker", help="Celery worker")
    worker.add_argument("--concurrency", type=int, default=None)
    worker.set_defaults(handler=cmd_worker)
    commands.add_parser("beat", help="Celery beat scheduler").set_defaults(handler=cmd_beat)
    commands.add_parser("seed", help="load the Intercoop 2007 programme").set_defaults(
        handler=cmd_seed
    )
    dkim = commands.add_parser(
        "dkim-keygen", help="generate the DKIM key for outgoing mail and print its DNS record"
    )
    dkim.add_argument("--selector", default=None, help="DKIM selector (default: intercoop)")
    dkim.set_defaults(handler=cmd_dkim_keygen)
    backup = commands.add_parser("backup", help="write the database and the data dir to one file")
    backup.add_argument(
        "--output", default=None, help="file to write (default: ./intercoop-backup-<time>.tar.gz)"
    )
    backup.set_defaults(handler=cmd_backup)
    restore = commands.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("file", help="a file written by `intercoop backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace what the database already holds"
    )
    restore.set_defaults(handler=cmd_restore)
    # Its options are the management command's (mailbridge import_mbox): passed on whole.
    commands.add_parser(
        "import-mbox",
        help="import a list's archive (mbox, pipermail .txt.gz) into a network's board",
        add_help=False,
    ).set_defaults(handler=cmd_import_mbox)
    return parser


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured

    from config.env import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        raise Abort(_one_line(exc)) from exc
    except (ImproperlyConfigured, ImportError) as exc:
        if _raised_by_database_backend(exc):
            raise Abort(f"cannot use the database ({_one_line(exc)}); check DATABASE_URL") from exc
        if isinstance(exc, ImportError):
            raise  # a broken installation or a bug: the traceback is what helps
        raise Abort(_one_line(exc)) from exc
    check_configuration()


def check_configuration() -> None:
    """The apps' system checks of their settings (forum, mailbridge and realtime's
    checks.py): the first error stops the command, with its id and hint."""
    from django.core.checks import run_checks

    from common.checks import TAG

    for message in run_checks(tags=[TAG]):
        if message.is_serious():
            hint = f" {message.hint}" if message.hint else ""
            raise Abort(" ".join(f"{message.msg} ({message.id}).{hint}".split()))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _raised_by_database_backend(exc: BaseException) -> bool:
    """Whether Django failed loading the backend DATABASE_URL names (a missing driver,
    such as mysqlclient for mysql:// or oracledb for oracle://), which the operator
    fixes in DATABASE_URL."""
    backends = os.path.join("django", "db", "backends", "")
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "load_backend" or backends in code.co_filename:
            return True
        tb = tb.tb_next
    return False


def check_database() -> None:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except (OperationalError, ImproperlyConfigured) as exc:
        # ImproperlyConfigured: the URL names a backend whose driver is missing
        # (mysql:// without mysqlclient); the operator fixes it the same way.
        where = os.environ.get("DATABASE_URL") or settings.DATABASES["default"]["NAME"]
        reason = _one_line(exc)
        raise Abort(
            f"cannot connect to the database {_redact(where)} ({reason}); check DATABASE_URL"
        ) from exc
    from config.preflight import check_object_store

    check_object_store()  # the files' store, shared like the database (common/storage.py)


def _redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(str(url))
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return str(url)


def prepare_database(*, load_programme_if_empty: bool) -> None:
    """Apply migrations; load the programme on first start."""
    from django.core.management import call_command

    from forum.models import Event

    call_command("migrate", interactive=False, verbosity=0)
    if load_programme_if_empty and not Event.objects.exists():
        load_programme()


def load_programme() -> dict[str, int]:
    """The Intercoop 2007 programme, loaded idempotently; a bad data file is the
    operator's to fix, so it ends with one line, not a traceback."""
    from forum.errors import SeedError
    from forum.seed.loader import programme_load

    try:
        return programme_load()
    except SeedError as exc:
        raise Abort(str(exc)) from exc


def use_uvloop() -> None:
    """New event loops from uvloop, when installed (docs/architecture.md): for the
    gateway's process, where aiosmtpd's reads, writes and callbacks cost less CPU per
    message on it (docs/benchmarks.md, "Costs behind the code")."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a platform without uvloop keeps asyncio's
        return
    import asyncio
    import warnings

    with warnings.catch_warnings():  # event loop policies are deprecated from 3.14 on
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, passed_on = parser.parse_known_args(argv)
    if args.handler is cmd_import_mbox:
        args.arguments = passed_on
    elif passed_on:
        parser.error(f"unrecognized arguments: {' '.join(passed_on)}")
    try:
        if args.handler in (cmd_run, cmd_web):
            from config.env import site_url_default

            site_url_default(args.host, args.port)
        setup_django()
        return args.handler(args)
    except Abort as exc:
        print(f"intercoop: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


# One function per sub-command (the parser names it with `handler`): each checks what
# it needs, then runs its part; Django is set up by main before.


def cmd_seed(args) -> int:
    check_database()
    # On a fresh data dir the tables do not exist yet: `intercoop seed` is often
    # the first command a newcomer types, so it applies the migrations first.
    prepare_database(load_programme_if_empty=False)
    counts = load_programme()
    print(f"programme loaded: {counts['created']} created, {counts['updated']} updated")
    return 0


def cmd_dkim_keygen(args) -> int:
    from django.core.management import call_command

    options = ["--selector", args.selector] if args.selector else []
    call_command("dkim_keygen", *options)
    return 0


def cmd_backup(args) -> int:
    import datetime as dt
    from pathlib import Path

    from config.backup import BackupError, backup

    check_database()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    output = Path(args.output or f"intercoop-backup-{stamp}.tar.gz").expanduser()
    if not output.parent.is_dir():
        raise Abort(f"cannot write the backup to {output}: no such directory")
    try:
        manifest = backup(output)
    except (BackupError, OSError) as exc:
        raise Abort(f"backup failed: {_one_line(exc)}") from exc
    stored = ", ".join(f"{count} {kind}" for kind, count in manifest["stored"].items())
    print(
        f"backup written to {output} ({manifest['database']}, {manifest['files']} files; "
        f"from the {manifest['store']}: {stored})"
    )
    return 0


def cmd_restore(args) -> int:
    from pathlib import Path

    from config.backup import BackupError, restore

    check_database()
    source = Path(args.file).expanduser()
    if not source.is_file():
        raise Abort(f"no backup at {source}")
    try:
        manifest = restore(source, force=args.force)
    except (BackupError, OSError) as exc:
        raise Abort(f"restore failed: {_one_line(exc)}") from exc
    print(f"restored the backup of {manifest['created_at']} ({manifest['files']} files)")
    return 0


def cmd_import_mbox(args) -> int:
    from django.core.management import CommandError, call_command

    check_database()
    try:
        call_command("import_mbox", *args.arguments)
    except CommandError as exc:
        raise Abort(_one_line(exc)) from exc
    return 0


def cmd_run(args) -> int:
    from config import embedded
    from forum.services.site import site_sync

    check_port_free(args.host, args.port, "--port")
    check_port_free(args.host, args.smtp_port, "--smtp-port")
    check_database()
    prepare_database(load_programme_if_empty=True)
    # allauth's mails name the site of this start (its --port), not of the first one.
    site_sync()
    return embedded.run(host=args.host, port=args.port, smtp_port=args.smtp_port)


def cmd_web(args) -> int:
    from django.conf import settings

    from forum.services.site import site_sync

    check_workers_share_state(args.workers)
    check_port_free(args.host, args.port, "--port")
    check_database()
    site_sync()
    serve_asgi(
        "config.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        forwarded_allow_ips=settings.INTERCOOP_TRUSTED_PROXIES,  # as common.client_ip
    )
    return 0


def serve_asgi(application: str, *, host: str, port: int, workers: int = 1, **options) -> None:
    """The ASGI server of `intercoop web`, serving `application` ("module:name");
    bench/web.py serves its baseline with it too, so both run on the same server."""
    import uvicorn

    uvicorn.run(
        application,
        host=host,
        port=port,
        workers=workers,
        lifespan="off",
        proxy_headers=True,
        # Live pushes are small HTML fragments sent to many readers at once:
        # compressing each one per connection cost more CPU than the rest of the
        # push (docs/architecture.md, "Layers, and the embedded run").
        ws_per_message_deflate=False,
        **options,
    )


def cmd_smtp(args) -> int:
    from config import embedded

    check_port_free(args.host, args.port, "--port")
    check_database()
    use_uvloop()
    return embedded.run_smtp_only(host=args.host, port=args.port)


def cmd_worker(args) -> int:
    from config.celery import app

    check_database()
    from config.embedded import requeue_inbound

    requeue_inbound()  # mail stored but never processed is picked up again
    # No mingle (a second's wait at start for the other workers' lists of
    # revoked tasks: nothing here revokes one), no gossip and no event
    # heartbeats (each worker hearing every other's: nothing here listens).
    argv = [
        "worker",
        "--loglevel=INFO",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
    ]
    if args.concurrency:
        argv.append(f"--concurrency={args.concurrency}")
    app.start(argv=argv)
    return 0


def cmd_beat(args) -> int:
    from config.celery import app

    check_database()
    from django.conf import settings

    app.start(
        argv=["beat", "--loglevel=INFO", f"--schedule={settings.DATA_DIR / 'celerybeat-schedule'}"]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
