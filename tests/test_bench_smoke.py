"""Every benchmark still runs end to end in its --smoke mode (bench/README.md)."""

from __future__ import annotations

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
