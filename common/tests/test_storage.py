"""Where files live (common/storage.py): the data dir by default, an S3-compatible
object store when INTERCOOP_S3_BUCKET is set; the same calls, the same promise."""

from __future__ import annotations

import os
import stat

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile

from common.storage import KINDS, file_storage, local_path, parts_file, stored_names
from config import env
from config.env import ConfigError


def test_by_default_each_kind_is_a_folder_of_the_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path / "attachments"
    settings.INTERCOOP_INBOUND_DIR = tmp_path / "inbound"
    for kind in KINDS:
        storage = file_storage(kind)
        storage.save("2007/07/a.bin", ContentFile(b"contenu"))
        assert (tmp_path / kind / "2007" / "07" / "a.bin").read_bytes() == b"contenu"
        assert local_path(storage, "x") == tmp_path / kind / "x"
        assert list(stored_names(storage)) == ["2007/07/a.bin"]
    # The DKIM key is for the process's user alone; no temporary file is left behind.
    key = tmp_path / "dkim" / "2007" / "07" / "a.bin"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not [name for name in os.listdir(key.parent) if name.startswith(".")]


def test_a_second_save_replaces_the_file_rather_than_renaming_it(settings, tmp_path):
    settings.INTERCOOP_INBOUND_DIR = tmp_path
    storage = file_storage("inbound")
    assert storage.save("m.eml", ContentFile(b"un")) == "m.eml"
    assert storage.save("m.eml", ContentFile(b"deux")) == "m.eml"
    assert (tmp_path / "m.eml").read_bytes() == b"deux"


def test_a_name_that_leaves_the_folder_is_refused(settings, tmp_path):
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path / "attachments"
    (tmp_path / "secret_key").write_text("x")
    with pytest.raises(SuspiciousFileOperation):
        file_storage("attachments").open("../secret_key")


def test_parts_are_stored_end_to_end_without_being_joined(settings, tmp_path):
    settings.INTERCOOP_INBOUND_DIR = tmp_path
    parts = [b"Received: from x\r\n", b"", os.urandom(300_000)]
    file_storage("inbound").save("big.eml", parts_file(parts))
    assert (tmp_path / "big.eml").read_bytes() == b"".join(parts)


def test_in_the_object_store_each_kind_has_its_prefix_of_the_bucket(
    object_store, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    settings.INTERCOOP_ATTACHMENTS_DIR = tmp_path / "attachments"
    settings.INTERCOOP_INBOUND_DIR = tmp_path / "inbound"
    data = os.urandom(6 * 1024 * 1024)  # over one part: a multipart upload
    file_storage("inbound").save("big.eml", parts_file([b"Received: x\r\n", data]))
    file_storage("attachments").save("2007/07/cr.pdf", ContentFile(b"%PDF-1.4 ..."))
    file_storage("dkim").save("intercoop.key", ContentFile(b"-----BEGIN"))

    assert object_store.objects() == {
        "inbound/big.eml": b"Received: x\r\n" + data,
        "attachments/2007/07/cr.pdf": b"%PDF-1.4 ...",
        "dkim/intercoop.key": b"-----BEGIN",
    }
    assert not list(tmp_path.iterdir())  # nothing on this host's disk
    storage = file_storage("attachments")
    assert local_path(storage, "2007/07/cr.pdf") is None
    assert list(stored_names(storage)) == ["2007/07/cr.pdf"]
    with storage.open("2007/07/cr.pdf", "rb") as file:
        assert file.read() == b"%PDF-1.4 ..."
    with pytest.raises(FileNotFoundError):
        storage.open("2007/07/absent.pdf", "rb")
    storage.delete("2007/07/cr.pdf")
    assert "attachments/2007/07/cr.pdf" not in object_store.objects()


def test_the_object_store_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.delenv("INTERCOOP_S3_BUCKET", raising=False)
    assert {s["BACKEND"] for s in env.file_storages().values()} == {"common.storage.DataDirStorage"}
    monkeypatch.setenv("INTERCOOP_S3_BUCKET", "intercoop")
    monkeypatch.setenv("INTERCOOP_S3_ENDPOINT_URL", "http://minio:9000")
    configured = env.file_storages()
    assert configured["attachments"]["OPTIONS"]["location"] == "attachments"
    assert configured["dkim"]["OPTIONS"]["bucket_name"] == "intercoop"
    assert configured["dkim"]["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    monkeypatch.setenv("INTERCOOP_S3_ENDPOINT_URL", "minio:9000")
    with pytest.raises(ConfigError, match="INTERCOOP_S3_ENDPOINT_URL"):
        env.file_storages()
