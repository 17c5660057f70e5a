"""Every benchmark still runs end to end in its --smoke mode (bench/README.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_reply_extraction_benchmark_runs_in_smoke_mode():
    docs_before = (ROOT / "docs" / "benchmarks.md").read_bytes()
    result = subprocess.run(
        [sys.executable, "bench/replies.py", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "| Intercoop `extract_reply`" in result.stdout
    assert "messages/s" in result.stdout
    assert (ROOT / "docs" / "benchmarks.md").read_bytes() == docs_before  # smoke writes nothing


def test_outbound_benchmark_runs_in_smoke_mode():
    docs_before = (ROOT / "docs" / "benchmarks.md").read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "bench/outbound.py", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "| plain smtplib loop" in result.stdout
    assert "| Intercoop outbox" in result.stdout
    assert "(0 duplicates); deliveries: sent 50." in result.stdout
    assert (ROOT / "docs" / "benchmarks.md").read_bytes() == docs_before  # smoke writes nothing


def test_inbound_benchmark_runs_in_smoke_mode():
    docs_before = (ROOT / "docs" / "benchmarks.md").read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "bench/inbound.py", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "| counting-only aiosmtpd server" in result.stdout
    assert "| Intercoop gateway (`intercoop smtp`)" in result.stdout
    assert "replies 250: 60;" in result.stdout
    assert "statuses: posted 60." in result.stdout
    assert (ROOT / "docs" / "benchmarks.md").read_bytes() == docs_before  # smoke writes nothing


def test_web_pages_benchmark_runs_in_smoke_mode():
    docs_before = (ROOT / "docs" / "benchmarks.md").read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "bench/web.py", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert "| `GET /healthz` (minimal Django page" in result.stdout
    assert "| thread page, 5 posts, anonymous |" in result.stdout
    assert "| board page, 8 threads (8 shown), anonymous |" in result.stdout
    assert "Load generator ceiling:" in result.stdout
    assert (ROOT / "docs" / "benchmarks.md").read_bytes() == docs_before  # smoke writes nothing


def test_live_benchmark_runs_in_smoke_mode():
    docs_before = (ROOT / "docs" / "benchmarks.md").read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "bench/live.py", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("| Intercoop |"))
    assert row.endswith("| 0 | 0 |"), row  # nothing lost, nothing duplicated
    assert "| 20 | 5 |" in row
    assert (ROOT / "docs" / "benchmarks.md").read_bytes() == docs_before  # smoke writes nothing
