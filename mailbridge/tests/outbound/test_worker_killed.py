"""Sending processes killed, restarted and racing, on a database other processes see.

The outbox is filled and sent by separate processes (`python -m
mailbridge.tests.outbound.outbox_fixture`, `python manage.py send_outbox`), as
workers are: on PostgreSQL they use the test database (committed rows, hence
transaction=True); on SQLite a database file in a temporary data dir (the
in-memory test database cannot be shared with another process). The relay is a
real SMTP server in this process that counts what each address receives.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from mailbridge.tests.sink import SinkHandler, SmtpSink

ROOT = Path(__file__).resolve().parents[3]
BATCH = 50

# transaction=True: on PostgreSQL the processes use this test's database, so its rows
# must be committed (and flushed after); on SQLite they use a file of their own.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _base_env(data_dir: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL")
    }
    env.update(
        INTERCOOP_DATA_DIR=str(data_dir),
        INTERCOOP_MAIL_DOMAIN="lists.intercoop.test",
        INTERCOOP_OUTBOX_BATCH_SIZE=str(BATCH),
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def _on_postgresql() -> bool:
    return django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """A migrated SQLite file, made once and copied by each test (migrating takes seconds)."""
    if _on_postgresql():
        return None
    data_dir = tmp_path_factory.mktemp("outbox-template")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        env=_base_env(data_dir),
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return data_dir / "intercoop.sqlite3"


@pytest.fixture
def outbox_env(tmp_path, migrated_sqlite):
    """The environment of the processes: this test's database and a data dir."""
    env = _base_env(tmp_path)
    if _on_postgresql():
        db = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        shutil.copy(migrated_sqlite, tmp_path / "intercoop.sqlite3")
    return env


def fill(env, followers: int) -> dict:
    command = [sys.executable, "-m", "mailbridge.tests.outbound.outbox_fixture", str(followers)]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def sender(env, port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "send_outbox", *extra],
        env={**env, "EMAIL_URL": f"smtp://127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 60) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out


def test_a_worker_killed_mid_fanout_then_restarted_delivers_to_everyone(outbox_env, capsys):
    env = outbox_env
    filled = fill(env, 1000)
    assert filled["deliveries"] == 1000
    # Killed in the middle of the fan-out, and in the middle of a batch: some of
    # that batch accepted by the relay, none of it recorded as sent.
    with SmtpSink(SinkHandler(keep=False)) as sink:
        worker = sender(env, sink.port)
        deadline = time.monotonic() + 60
        while sink.handler.count < 300 + BATCH // 2 and time.monotonic() < deadline:
            time.sleep(0.001)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        at_kill = sink.handler.count
        assert 300 <= at_kill < 1000, "the worker must die in the middle of the fan-out"

        # The restarted worker (alone, so it may take back every claim at once).
        finish(sender(env, sink.port, "--requeue-stale", "0"))
        handler = sink.handler
        missing = 1000 - len(handler.per_recipient)
        extra = handler.count - 1000

    with capsys.disabled():
        print(
            f"\n[SIGKILL {connection.vendor}] killed after {at_kill} accepted; "
            f"total {handler.count}: {extra} sent twice (batch {BATCH})"
        )
    assert missing == 0, f"{missing} recipients never received the post"
    assert 0 <= extra <= BATCH
    assert max(handler.per_recipient.values()) <= 2


def test_a_restarted_worker_resumes_a_killed_ones_batch_within_thirty_seconds(outbox_env, capsys):
    env = outbox_env
    fill(env, 300)
    # A slow relay (10 ms a message): the worker is killed holding a batch.
    with SmtpSink(SinkHandler(keep=False, delay=0.01)) as sink:
        worker = sender(env, sink.port)
        deadline = time.monotonic() + 60
        while sink.handler.count < 100 + BATCH // 2 and time.monotonic() < deadline:
            time.sleep(0.001)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        at_kill = sink.handler.count
        assert at_kill < 300, "the worker must die in the middle of the fan-out"

        # Restarted as an operator would, without telling it anything: it takes
        # back what the dead process held (and no live worker's rows).
        restarted = time.monotonic()
        out = finish(sender(env, sink.port), timeout=60)
        took = time.monotonic() - restarted
        handler = sink.handler
        missing = 300 - len(handler.per_recipient)
        extra = handler.count - 300

    with capsys.disabled():
        print(
            f"\n[resume {connection.vendor}] killed after {at_kill} accepted; restarted one "
            f"done in {took:.1f} s ({out.strip()}); {extra} sent twice"
        )
    assert missing == 0, f"{missing} recipients still waiting after the restart: {out}"
    assert took < 30
    assert 0 <= extra <= BATCH
    assert max(handler.per_recipient.values()) <= 2


def test_two_worker_processes_on_the_same_rows_send_each_once(outbox_env):
    env = outbox_env
    fill(env, 200)
    # A relay slow enough (5 ms a message) that both processes are still sending
    # when the second one starts.
    with SmtpSink(SinkHandler(keep=False, delay=0.005)) as sink:
        workers = [sender(env, sink.port, "--batch-size", "10") for _ in range(2)]
        outputs = [finish(worker) for worker in workers]
        handler = sink.handler
        assert handler.count == 200
        assert len(handler.per_recipient) == 200
        assert set(handler.per_recipient.values()) == {1}
    sent = [int(output.split("sent ")[1].split(",")[0]) for output in outputs]
    assert sum(sent) == 200
    assert min(sent) > 0, f"the two processes did not overlap ({sent})"
