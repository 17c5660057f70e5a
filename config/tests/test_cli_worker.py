"""`intercoop worker` as an operator starts it: a real Celery worker on Redis.

The command runs as a subprocess (`python -m config.cli worker --concurrency 1`) with a
fresh, migrated SQLite data dir and Redis database 12. The test checks what an operator
checks: the worker answers a Celery control ping, and its log has no traceback and no
ERROR line. It also checks that the log has no mingle lines ("mingle: searching for
neighbors"), which Celery writes at start unless --without-mingle is passed. Skipped
when Redis does not answer at 127.0.0.1:6379.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/12"
START_TIMEOUT = 60
STOP_TIMEOUT = 15


@pytest.fixture
def redis_db12():
    """Redis database 12, empty before and after the test; skip when Redis is down."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        client.close()
        pytest.skip(f"no Redis answering at 127.0.0.1:6379 ({exc})")
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()


def _worker_env(data_dir: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    env.update(
        INTERCOOP_DATA_DIR=str(data_dir),
        REDIS_URL=REDIS_URL,
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextlib.contextmanager
def _running(command: list[str], env: dict[str, str], log_path: Path):
    """Run the command with its output in log_path; always stop it on the way out."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, so a kill also reaches the pool child
        )
        try:
            yield process
        finally:
            process.terminate()  # SIGTERM: Celery's warm shutdown
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=STOP_TIMEOUT)


def _ping_until_answered(process: subprocess.Popen, broker_url: str, log_path: Path) -> list:
    from celery import Celery

    app = Celery(broker=broker_url)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"the worker exited with status {process.returncode}:\n"
                    f"{log_path.read_text(errors='replace')}"
                )
            replies = app.control.ping(timeout=0.5)
            if replies:
                return replies
        pytest.fail(
            f"no ping reply within {START_TIMEOUT} s:\n{log_path.read_text(errors='replace')}"
        )
    finally:
        app.close()


def test_intercoop_worker_answers_a_ping_and_starts_without_mingle(redis_db12, tmp_path):
    data_dir = tmp_path / "data"
    env = _worker_env(data_dir)
    # The worker requeues stored inbound mail at start: its tables must exist.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    log_path = tmp_path / "worker.log"
    command = [sys.executable, "-m", "config.cli", "worker", "--concurrency", "1"]

    with _running(command, env, log_path) as process:
        replies = _ping_until_answered(process, redis_db12, log_path)

    names = [name for reply in replies for name in reply]
    assert names and all(name.startswith("celery@") for name in names), replies
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log
    assert "ERROR" not in log, log
    assert "ready." in log, log
    # With mingle on, Celery logs "mingle: searching for neighbors" then "mingle: all alone".
    assert "mingle:" not in log, log
