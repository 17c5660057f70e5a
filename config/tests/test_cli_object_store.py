"""A part started with INTERCOOP_S3_BUCKET checks its bucket first: a store it cannot
use stops it with one line, exit status 2, rather than 451 to every large message."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(tmp_path: Path, part: list[str], **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERCOOP_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(INTERCOOP_DATA_DIR=str(tmp_path), LOG_LEVEL="WARNING", **variables)
    return subprocess.run(
        [sys.executable, "-m", "config.cli", *part],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("part", ["smtp", "worker"])
def test_a_bucket_that_does_not_exist_stops_the_part_in_one_line(tmp_path, s3_server, part):
    command = [part, "--port", str(_closed_port())] if part == "smtp" else [part]
    result = _start(tmp_path, command, **s3_server.environment("no-such-bucket"))
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "s3://no-such-bucket" in line and "INTERCOOP_S3_BUCKET" in line


def test_a_store_that_does_not_answer_stops_the_part_in_one_line(tmp_path, s3_server):
    variables = s3_server.environment(s3_server.bucket_create())
    variables["INTERCOOP_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{_closed_port()}"
    result = _start(tmp_path, ["smtp", "--port", str(_closed_port())], **variables)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "cannot use the object store" in line and "INTERCOOP_S3_ENDPOINT_URL" in line
