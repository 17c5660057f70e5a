"""Configuration from the environment (12-factor), with embedded defaults.

Every variable is optional: with none set, Intercoop runs on a SQLite file, an
in-process channel layer and worker, and writes outgoing mail as .eml files,
all under the data directory (docs/fixed-points.md, "Configuration by environment").
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A configuration value the operator must fix; its message says how."""


def data_dir() -> Path:
    path = Path(os.environ.get("INTERCOOP_DATA_DIR") or BASE_DIR / "var").expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"INTERCOOP_DATA_DIR={path} cannot be created ({exc.strerror}); "
            "point it at a writable directory"
        ) from exc
    return path


def secret_key(directory: Path) -> str:
    """SECRET_KEY from the environment, else one generated once in the data dir."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = directory / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def integer(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        if maximum is None:
            bounds = f"at least {minimum}"
        elif minimum is None:
            bounds = f"at most {maximum}"
        else:
            bounds = f"{minimum}..{maximum}"
        raise ConfigError(f"{name}={number} is out of range ({bounds})")
    return number


def csv_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database(directory: Path) -> dict:
    """DATABASE_URL, else a SQLite file tuned for one process with several writers."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL")
    if url:
        try:
            config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        except ValueError as exc:
            raise ConfigError(
                f"DATABASE_URL is not understood ({exc}); "
                "use e.g. postgres://user@host/dbname or sqlite:////path/to/file.sqlite3"
            ) from exc
    else:
        config = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(directory / "intercoop.sqlite3"),
        }
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Web, SMTP gateway and worker write from one process in `intercoop run`:
        # WAL lets readers go on during a write, IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on the busy timeout instead of failing with
        # "database is locked" on lock upgrade.
        config.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
        config["CONN_MAX_AGE"] = 0
    return config


@dataclass(frozen=True)
class EmailSettings:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    file_path: str = ""


def email(directory: Path) -> EmailSettings:
    """EMAIL_URL: smtp://[user:pass@]host[:port][?tls=1], smtps://..., or unset for files."""
    url = os.environ.get("EMAIL_URL", "")
    if not url or url.startswith("file:") or url.startswith("files:"):
        path = urlsplit(url).path if url else ""
        outbox = Path(path) if path else directory / "outbox"
        return EmailSettings(backend="config.mail.EmlFileBackend", file_path=str(outbox))
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps", "submission"}:
        raise ConfigError(
            f"EMAIL_URL scheme {parts.scheme!r} is not supported; "
            "use smtp://host:25, smtp://user:pass@host:587?tls=1, smtps://host:465 "
            "or leave it unset"
        )
    query = parse_qs(parts.query)
    use_ssl = parts.scheme == "smtps"
    use_tls = parts.scheme == "submission" or query.get("tls", ["0"])[0] in {"1", "true", "yes"}
    default_port = 465 if use_ssl else 587 if parts.scheme == "submission" else 25
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise ConfigError(f"EMAIL_URL has a bad port ({exc})") from exc
    return EmailSettings(
        backend="django.core.mail.backends.smtp.EmailBackend",
        host=parts.hostname or "localhost",
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
    )


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


def web_databases(databases: dict) -> None:
    """What a web process changes in its DATABASES (config/asgi.py).

    Django under ASGI runs each request's sync code on a thread of its own: made for
    the request by Django itself, where a connection kept for reuse (CONN_MAX_AGE > 0)
    stayed open with its dead thread until the garbage collector found it, which under
    load held PostgreSQL connections by the dozen until the next requests were refused
    ("too many clients"; docs/benchmarks.md, "Costs behind the code"); kept between
    requests since (config/request_threads.py), where each idle thread would still hold
    one. So web processes give each request's connection back at its end (workers and
    the SMTP gateway keep theirs, CONN_MAX_AGE 60). On PostgreSQL
    "back" means to a pool (psycopg_pool, through Django): opening a connection forks a
    PostgreSQL backend, which takes longer and more CPU than serving a page from the
    page cache."""
    from django.conf import settings

    for database in databases.values():
        database["CONN_MAX_AGE"] = 0
        if database["ENGINE"] == "django.db.backends.postgresql":
            database.setdefault("OPTIONS", {})["pool"] = {
                "min_size": 2,
                "max_size": settings.INTERCOOP_WEB_DB_POOL,
                # A request waits this long for a free connection, then fails.
                "timeout": 10,
            }


def site_url_default(host: str, port: int) -> None:
    """When INTERCOOP_SITE_URL is not set, the site URL is where `intercoop run` or
    `intercoop web` listens: every link the product sends out (list mail, unsubscribe
    links, confirmation mails, the calendar) then names the port the server was
    started on. A wildcard address is not one a browser can open: its links name the
    local host. Called before the settings load, which read it."""
    if os.environ.get("INTERCOOP_SITE_URL"):
        return
    if host in {"", "0.0.0.0", "::"}:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    os.environ["INTERCOOP_SITE_URL"] = f"http://{host}:{port}"


# The files that outlive a request (common/storage.py): attachments, large raw inbound
# messages, the DKIM key. By default directories of the data dir; with a bucket, an
# S3-compatible object store (MinIO, S3) that every host's processes share.
S3_BACKEND = "storages.backends.s3.S3Storage"


def file_storages() -> dict:
    bucket = os.environ.get("INTERCOOP_S3_BUCKET", "").strip()
    if not bucket:
        local = "common.storage.DataDirStorage"
        return {
            "attachments": {"BACKEND": local, "OPTIONS": {"setting": "INTERCOOP_ATTACHMENTS_DIR"}},
            "inbound": {"BACKEND": local, "OPTIONS": {"setting": "INTERCOOP_INBOUND_DIR"}},
            "dkim": {"BACKEND": local, "OPTIONS": {"subdir": "dkim", "file_mode": 0o600}},
        }
    endpoint = os.environ.get("INTERCOOP_S3_ENDPOINT_URL", "").strip() or None
    if endpoint and urlsplit(endpoint).scheme not in {"http", "https"}:
        raise ConfigError(
            f"INTERCOOP_S3_ENDPOINT_URL={endpoint!r} is not an http(s) URL; "
            "use e.g. http://minio:9000, or leave it unset for Amazon S3"
        )
    from botocore.config import Config

    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        # Unset: boto3 looks for credentials itself (AWS_ACCESS_KEY_ID…, an instance role).
        "access_key": os.environ.get("INTERCOOP_S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("INTERCOOP_S3_SECRET_ACCESS_KEY") or None,
        "region_name": os.environ.get("INTERCOOP_S3_REGION") or "us-east-1",
        "client_config": Config(
            signature_version="s3v4",
            # MinIO and most S3-compatible servers answer at <endpoint>/<bucket>/.
            s3={"addressing_style": "path" if endpoint else "auto"},
            # A store that does not answer fails the write in seconds, not minutes: the
            # gateway then answers 451 and the sending server tries again later.
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
        "default_acl": None,  # the bucket's own: private; files are served by the site
        "file_overwrite": True,  # names are random or the selector's, never renamed
        "max_memory_size": 1024 * 1024,  # a larger file read spills to a temporary file
    }
    return {
        kind: {"BACKEND": S3_BACKEND, "OPTIONS": {**options, "location": kind}}
        for kind in ("attachments", "inbound", "dkim")
    }
