"""`intercoop backup` / `restore` with the files in an object store: the bucket's
attachments, large raw messages and DKIM key are in the backup, and come back, with
the rows, into another installation's empty bucket, or into a data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.tests.test_backup import FILL, SNAPSHOT, installation, intercoop, shell  # noqa: F401

OBJECTS = """
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from common.storage import file_storage
from forum.models import Attachment, Post
from mailbridge.models import InboundMessage
from mailbridge.raw_files import raw_file_write
name = raw_file_write([b"Received: from relais\\r\\n", bytes(range(256)) * 8000])
InboundMessage.objects.create(raw=b"", raw_file=name, size=2048019, received_at=timezone.now())
data = b"%PDF-1.4 " + bytes(range(256))
file_storage("attachments").save("2007/07/compte-rendu.pdf", ContentFile(data))
Attachment.objects.create(
    post=Post.objects.order_by("pk").first(), filename="compte-rendu.pdf",
    content_type="application/pdf", size=len(data), path="2007/07/compte-rendu.pdf",
)
call_command("dkim_keygen", "--selector", "intercoop2007", verbosity=0)
"""

READ = """
from mailbridge.models import InboundMessage
from mailbridge import dkim
from django.test import override_settings
message = InboundMessage.objects.exclude(raw_file="").get()
with override_settings(INTERCOOP_DKIM_SELECTOR="intercoop2007", INTERCOOP_MAIL_DOMAIN="l.test"):
    signed = dkim.sign_message(b"From: a@l.test\\r\\nSubject: x\\r\\n\\r\\ncorps\\r\\n")
print(len(message.raw_bytes()), signed.startswith(b"DKIM-Signature:"))
"""


def in_bucket(env: dict, s3_server) -> dict:
    bucket = s3_server.bucket_create()
    env.update(s3_server.environment(bucket))
    return env


def bucket_contents(s3_server, env: dict) -> dict[str, bytes]:
    from config.s3_testing import ObjectStore

    return ObjectStore(server=s3_server, bucket=env["INTERCOOP_S3_BUCKET"]).objects()


def filled(env: dict) -> dict:
    intercoop(env, "seed")
    shell(env, FILL + OBJECTS)
    return env


def test_the_buckets_files_are_backed_up_and_restored_into_an_empty_bucket(
    installation,  # noqa: F811
    s3_server,
    tmp_path,
):
    before = filled(in_bucket(installation("source", "sqlite"), s3_server))
    objects = bucket_contents(s3_server, before)
    assert sorted(objects) == [
        "attachments/2007/07/compte-rendu.pdf",
        "dkim/intercoop2007.key",
        next(key for key in objects if key.startswith("inbound/")),
    ]
    assert not (Path(before["INTERCOOP_DATA_DIR"]) / "attachments").exists()

    backup = tmp_path / "sauvegarde.tar.gz"
    written = intercoop(before, "backup", "--output", str(backup))
    assert "1 attachments, 1 inbound, 1 dkim" in written.stdout
    assert f"s3://{before['INTERCOOP_S3_BUCKET']}" in written.stdout

    after = in_bucket(installation("restored", "sqlite"), s3_server)
    intercoop(after, "restore", str(backup))
    assert bucket_contents(s3_server, after) == objects
    assert json.loads(shell(after, SNAPSHOT)) == json.loads(shell(before, SNAPSHOT))
    # The restored site reads its large message and signs with its key from the bucket.
    assert shell(after, READ).split() == [str(len(b"Received: from relais\r\n") + 2048000), "True"]


def test_a_backup_from_a_bucket_restores_into_a_data_dir(
    installation,  # noqa: F811
    s3_server,
    tmp_path,
):
    before = filled(in_bucket(installation("source", "sqlite"), s3_server))
    objects = bucket_contents(s3_server, before)
    backup = tmp_path / "sauvegarde.tar.gz"
    intercoop(before, "backup", "--output", str(backup))

    after = installation("restored", "sqlite")
    intercoop(after, "restore", str(backup))
    root = Path(after["INTERCOOP_DATA_DIR"])
    on_disk = {
        path.relative_to(root).as_posix(): path.read_bytes()
        for kind in ("attachments", "inbound", "dkim")
        for path in (root / kind).rglob("*")
        if path.is_file()
    }
    assert on_disk == objects
    assert shell(after, READ).split()[1] == "True"


@pytest.mark.parametrize("where", ["backup", "restore"])
def test_a_store_that_does_not_answer_fails_in_one_line(
    installation,  # noqa: F811
    s3_server,
    tmp_path,
    where,
):
    env = installation("site", "sqlite")
    backup = tmp_path / "sauvegarde.tar.gz"
    if where == "restore":
        filled(in_bucket(env, s3_server))
        intercoop(env, "backup", "--output", str(backup))
        env = installation("restored", "sqlite")
    else:
        intercoop(env, "seed")
    env.update(s3_server.environment("absent-bucket"))
    failed = intercoop(env, where, *(["--output"] if where == "backup" else []), str(backup),
                       check=False)  # fmt: skip
    assert failed.returncode == 2, failed.stderr
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and "s3://absent-bucket" in lines[0], lines
