"""Every benchmark still runs end to end in its --smoke mode (bench/README.md)."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402 - after the path is set

# (benchmark, seconds it may take, patterns its output must contain, one per line)
SMOKE_RUNS = [
    (
        "questionnaire_cost",
        180,
        [
            r"mails at the sink \(list, questionnaire, confirmations\): \[20, 20, 20\]",
            r"inbound \{'answered': 10\}",
            r"^\| web answer \(GET \+ POST\), last tenth \| 1 \| [\d.]+ \| [\d.]+ \|$",
            r"^\| synthesis page, 20 answers \| 20 \| [\d.]+ \| [\d.]+ \|$",
        ],
    ),
    ("replies", 120, [r"^\| Intercoop `extract_reply`", r"messages/s"]),
    (
        "outbound",
        120,
        [
            r"^\| plain smtplib loop",
            r"^\| Intercoop outbox",
            r"\(0 duplicates\); deliveries: sent 50\.",
            r"^\| Intercoop outbox, DKIM-signed \(RSA 2048",
            r"Messages accepted: 50, signed 50 \(0 duplicates\); deliveries: sent 50\.",
        ],
    ),
    (
        "inbound",
        180,
        [
            r"^\| counting-only aiosmtpd server",
            r"^\| Intercoop gateway \(`intercoop smtp`\)",
            r"replies 250: 60;",
            r"statuses: posted 60\.",
        ],
    ),
    (
        "web",
        240,
        [
            r"^\| minimal Django page \(bench/minimal_site.py: the baseline\) \|",
            r"^\| `GET /healthz` \(through the whole middleware stack\) \|",
            r"^\| thread page, 5 posts, anonymous \|",
            r"^\| board page, 8 threads \(8 shown\), anonymous \|",
            r"Load generator ceiling:",
        ],
    ),
    # Every message stored, the large ones as files.
    (
        "large_mail",
        180,
        [r"^\| Intercoop gateway \(`intercoop smtp`, defaults\) \| 3 of 3 \| 0 \| 3 \|"],
    ),
    (
        "questionnaire",
        300,
        [
            r"^\| list mail: one post to 20 email followers \(baseline\) \| 20 \|",
            r"^\| questionnaire mail to 20 participants \| 20 \|",
            r"^\| answers, half by web and half by email, until all recorded \| 20 \|",
            r"inbound statuses: answered 10\.",
            r"^\| thread page, signed-in participant \(baseline\), 1 client \| 10 requests "
            r"\(0 errors\)",
            r"^\| synthesis page, 20 answers, signed-in facilitator, 1 client \| 10 requests "
            r"\(0 errors\) \| p50 .* of the thread page\) \|$",
        ],
    ),
    # 500 messages read by both; every one imported, threaded as the truth says.
    (
        "import",
        240,
        [
            r"^\| Python's `mailbox` module, parsing only \(baseline\) \| 500 \|",
            r"^\| Intercoop `import-mbox`, 2 parsing processes, SQLite \| 500 \|",
            r"^Threading: 500 of 500 messages .*; 0 not imported\.",
        ],
    ),
    # Mixed load on `intercoop run`: no error, every reply and post once, every live
    # event to every client once.
    (
        "soak",
        240,
        [
            r"^- Errors: 0 HTTP, 0 SMTP 5xx, 0 websockets, 0 ERROR lines in the logs;",
            r"^- Replies by email: [1-9]\d* accepted, 0 lost, 0 duplicated; web posts: "
            r"[1-9]\d* answered, 0 lost, 0 duplicated;",
            r"^- Live: [1-9]\d* events to each of 5 clients, 0 lost, 0 duplicated, "
            r"0 out of order\.$",
            r"^\| web \+ SMTP \+ worker \(`intercoop run`\) \| \d+ MB \| \d+ MB \| [+-]",
        ],
    ),
    # 20 clients and 5 posts on Intercoop's row; nothing lost, nothing duplicated.
    ("live", 300, [r"^\| Intercoop \| 20 \| 5 \| .*\| 0 \| 0 \|$"]),
    (
        "flood",
        240,
        [
            r"^\| asyncio's server, no cap \(the gateway before\) \| one address \|",
            # 20 greeted from one address, the rest told 421 at once; a few lines of
            # log; the probe from another address stored during the flood and after.
            r"^\| Intercoop gateway \(`intercoop smtp`\) \| one address \| 20 \| 580 \| 0 \| 0 "
            r"\| \d+ \| \d{1,3} lines, [\d,]+ KB \| 250 \| 250 \|$",
            r"^\| Intercoop gateway \(`intercoop smtp`\) \| 50 addresses \| \d+ \| \d+ \| 0 "
            r"\| 0 \| \d+ \| \d{1,3} lines, [\d,]+ KB \| [^|]+ \| 250 \|$",
        ],
    ),
]


@pytest.mark.parametrize(
    ("name", "timeout", "patterns"), SMOKE_RUNS, ids=[run[0] for run in SMOKE_RUNS]
)
def test_benchmark_runs_in_smoke_mode(name, timeout, patterns):
    docs_before = common.DOCS.read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, f"bench/{name}.py", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for pattern in patterns:
        assert re.search(pattern, result.stdout, re.MULTILINE), (pattern, result.stdout)
    assert common.DOCS.read_bytes() == docs_before  # smoke writes nothing


@pytest.mark.parametrize("name", [run[0] for run in SMOKE_RUNS])
def test_benchmark_imports_as_a_module(name):
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.main)
    assert module.SECTION.startswith("## ")


def test_write_section_replaces_its_own_section_or_adds_it(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Title\n\nIntro.\n\n## A\n\nold a\n\n### A sub\n\nold\n\n## B\n\nb\n")
    common.write_section("## A", ["new a", ""], docs)
    assert docs.read_text() == "# Title\n\nIntro.\n\n## A\n\nnew a\n\n## B\n\nb\n"
    common.write_section("## B", ["new b"], docs)
    assert docs.read_text().endswith("## A\n\nnew a\n\n## B\n\nnew b\n")
    common.write_section("## C", ["c"], docs)
    assert docs.read_text().endswith("## B\n\nnew b\n\n## C\n\nc\n")


def test_busy_note_only_from_a_load_of_one():
    assert common.busy_note(0.5) == ""
    assert common.busy_note(0.4, 0.99) == ""
    assert common.busy_note(1.0) == " (other work on the machine)"
    assert common.busy_note(0.2, 4.2) == " (other work on the machine)"
