"""`intercoop backup` / `intercoop restore`: a backup restored into an empty database
gives back every row and every file, on SQLite and on PostgreSQL (and from one to the
other); what cannot be restored is refused with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")

FILL = """
from django.utils import timezone
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from forum import services
from forum.models import Board, Event, Profile, Registration
from mailbridge.models import InboundMessage
user = get_user_model().objects.create_user("claire", "claire@exemple.org", "motdepasse-solide")
EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
Profile.objects.create(user=user, display_name="Claire Sociétaire")
event = Event.objects.get()
Registration.objects.create(user=user, event=event, role="participant", status="confirmed")
board = Board.objects.filter(session__isnull=False).first()
thread = services.thread_create(
    board=board, author=user, title="Fil « sauvegardé »", body="*Texte* é"
)
services.post_add(draft=services.PostDraft(thread=thread, author=user, body="Réponse"))
InboundMessage.objects.create(raw=bytes(range(256)), received_at=timezone.now(), subject="octets")
"""

SNAPSHOT = """
import json
from django.apps import apps
def text(value):
    # The same value on both databases: JSON objects without their keys' order
    # (jsonb keeps its own), bytes as hex.
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)
rows = {}
for model in apps.get_models(include_auto_created=True):
    fields = [field.attname for field in model._meta.concrete_fields]
    values = []
    for row in model._default_manager.order_by("pk").values_list(*fields):
        values.append([text(v) for v in row])
    rows[model._meta.db_table] = values
print(json.dumps(rows, sort_keys=True))
"""


def intercoop(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "config.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def shell(env: dict, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _admin(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql", path="/postgres"))


@pytest.fixture
def installation(tmp_path):
    """Makes environments of empty installations: a data dir each, and a database of
    their own (SQLite in the data dir, or a fresh PostgreSQL database)."""
    made: list[str] = []

    def make(name: str, vendor: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERCOOP_")}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env.update(INTERCOOP_DATA_DIR=str(tmp_path / name), LOG_LEVEL="WARNING")
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"
        if vendor == "postgresql":
            import psycopg

            database = f"intercoop_backup_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(_admin(os.environ["DATABASE_URL"]), autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
            made.append(database)
            url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}")
            env["DATABASE_URL"] = urlunsplit(url)
        return env

    yield make
    if made:
        import psycopg

        with psycopg.connect(_admin(os.environ["DATABASE_URL"]), autocommit=True) as admin:
            for database in made:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def filled(env: dict) -> dict:
    intercoop(env, "seed")
    shell(env, FILL)
    attachments = Path(env["INTERCOOP_DATA_DIR"]) / "attachments" / "2f"
    attachments.mkdir(parents=True)
    (attachments / "compte-rendu.pdf").write_bytes(b"%PDF-1.4 " + bytes(range(256)))
    return env


def files(env: dict) -> dict[str, bytes]:
    root = Path(env["INTERCOOP_DATA_DIR"])
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith("intercoop.sqlite3")
    }


VENDORS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRES, reason="DATABASE_URL is not PostgreSQL"),
    ),
]


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("sqlite", "sqlite"),
        pytest.param(
            "postgresql",
            "postgresql",
            marks=pytest.mark.skipif(not POSTGRES, reason="no PostgreSQL"),
        ),
        pytest.param(
            "sqlite", "postgresql", marks=pytest.mark.skipif(not POSTGRES, reason="no PostgreSQL")
        ),
    ],
)
def test_a_backup_restored_into_an_empty_database_gives_back_every_row_and_file(
    installation, tmp_path, source, target
):
    before = filled(installation("source", source))
    backup = tmp_path / "sauvegarde.tar.gz"
    written = intercoop(before, "backup", "--output", str(backup))
    assert "backup written to" in written.stdout and backup.is_file()
    after = installation("restored", target)
    restored = intercoop(after, "restore", str(backup))
    assert "restored the backup" in restored.stdout
    rows_before, rows_after = (
        json.loads(shell(before, SNAPSHOT)),
        json.loads(shell(after, SNAPSHOT)),
    )
    assert rows_before["auth_user"] and rows_before["forum_post"]
    for table in rows_before:
        assert rows_after[table] == rows_before[table], table
    assert rows_after == rows_before
    assert files(after) == files(before)
    # The restored site signs in its people with the same secret key.
    assert "secret_key" in files(after)


def test_a_database_that_holds_data_is_not_overwritten_unless_told(installation, tmp_path):
    env = filled(installation("site", "sqlite"))
    backup = tmp_path / "sauvegarde.tar.gz"
    intercoop(env, "backup", "--output", str(backup))
    shell(env, "from forum.models import Post; Post.objects.update(body_markdown='changé')")
    refused = intercoop(env, "restore", str(backup), check=False)
    assert refused.returncode == 2
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert "changé" in shell(
        env, "from forum.models import Post; print(Post.objects.first().body_markdown)"
    )
    intercoop(env, "restore", "--force", str(backup))
    assert "changé" not in shell(
        env,
        "from forum.models import Post; "
        "print(list(Post.objects.values_list('body_markdown', flat=True)))",
    )


def test_a_file_that_is_not_a_backup_is_refused_in_one_line(installation, tmp_path):
    env = installation("site", "sqlite")
    bogus = tmp_path / "pas-une-sauvegarde.tar.gz"
    bogus.write_bytes(b"bonjour")
    refused = intercoop(env, "restore", str(bogus), check=False)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"intercoop: restore failed: {bogus} is not a backup of intercoop (not a gzip file)"
    ]
    missing = intercoop(env, "restore", str(tmp_path / "absent.tar.gz"), check=False)
    assert missing.returncode == 2 and "no backup at" in missing.stderr


def test_a_restore_empties_what_the_cache_holds_of_the_rows_it_replaced(installation, tmp_path):
    """A restore under a running Redis: the cached accounts, sessions and pages were read
    from the rows replaced (an id may now name someone else). Celery's queues, in the
    same Redis database, stay."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/13"
    raw = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        raw.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis answering ({exc})")
    env = filled(installation("site", "sqlite"))
    backup = tmp_path / "sauvegarde.tar.gz"
    intercoop(env, "backup", "--output", str(backup))
    env = {**env, "REDIS_URL": url}
    shell(env, "from django.core.cache import cache; cache.set('user:1', 'Claire, before')")
    raw.set("celery-like-queue", b"task")
    try:
        intercoop(env, "restore", "--force", str(backup))
        found = shell(env, "from django.core.cache import cache; print(cache.get('user:1'))")
        assert found.strip() == "None"
        assert raw.get("celery-like-queue") == b"task"
    finally:
        raw.delete("celery-like-queue")
        raw.close()
