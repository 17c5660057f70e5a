"""Raw message files that no row names (a crash between the file and its row, a DATA
cut short) are removed by the inbound sweeper once past their grace period; the files
of stored messages, and the recent ones, stay."""

from __future__ import annotations

import os
import time

import pytest
from django.utils import timezone

from mailbridge.inbound import tasks
from mailbridge.inbound.tasks import sweep_inbound
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.raw_files import ORPHAN_GRACE, RawFileWriter, raw_files_sweep


@pytest.fixture
def inbound(settings, tmp_path):
    settings.INTERCOOP_INBOUND_DIR = tmp_path / "inbound"
    return settings.INTERCOOP_INBOUND_DIR


def _file(*, age: float, kept: bool = True) -> str:
    writer = RawFileWriter()
    writer.write(b"Subject: x\r\n\r\nbody\r\n")
    if kept:
        name = writer.keep()
        path = writer.directory / name
    else:
        writer.file.close()
        name, path = writer.partial.name, writer.partial
    then = time.time() - age
    os.utime(path, (then, then))
    return name


def _row(name: str) -> InboundMessage:
    return InboundMessage.objects.create(
        raw=b"", raw_file=name, size=20, received_at=timezone.now(), status=InboundStatus.POSTED
    )


@pytest.mark.django_db
def test_old_files_no_row_names_are_removed_and_the_others_stay(inbound):
    old = ORPHAN_GRACE + 60
    stored = _file(age=old)
    _row(stored)
    orphan = _file(age=old)
    cut_short = _file(age=old, kept=False)
    recent_orphan = _file(age=60)
    recent_partial = _file(age=60, kept=False)

    assert raw_files_sweep() == 2

    assert sorted(path.name for path in inbound.iterdir()) == sorted(
        [stored, recent_orphan, recent_partial]
    )
    assert orphan not in os.listdir(inbound) and cut_short not in os.listdir(inbound)
    # The stored message still reads from its file.
    assert InboundMessage.objects.get(raw_file=stored).raw_bytes().endswith(b"body\r\n")


@pytest.mark.django_db
def test_without_an_inbound_dir_there_is_nothing_to_sweep(inbound):
    assert raw_files_sweep() == 0


@pytest.mark.django_db
def test_the_inbound_sweeper_removes_orphans_now_and_then(inbound, monkeypatch):
    monkeypatch.setattr(tasks, "_raw_files_swept_at", [float("-inf")])
    orphan = _file(age=ORPHAN_GRACE + 60)
    assert sweep_inbound() == {"woken": 0, "orphan_files": 1}
    assert not (inbound / orphan).exists()

    second = _file(age=ORPHAN_GRACE + 60)
    assert sweep_inbound() == {"woken": 0}  # not again within RAW_FILES_SWEEP_EVERY
    assert (inbound / second).exists()
