"""The documentation keeps up with the code it describes."""

from __future__ import annotations

import ast
import io
import re
import tokenize
import tomllib
from pathlib import Path

from config.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ARCHITECTURE = (ROOT / "docs/architecture.md").read_text()
FIXED_POINTS = (ROOT / "docs/fixed-points.md").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# docs/fixed-points.md, "Configuration by environment": the variables a deployment sets.
DEPLOYMENT_VARIABLES = (
    "INTERCOOP_DATA_DIR",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "INTERCOOP_MAIL_DOMAIN",
    "INTERCOOP_SITE_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
)


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _requirements() -> list[str]:
    project = PYPROJECT["project"]
    extras = [req for group in project.get("optional-dependencies", {}).values() for req in group]
    return [_name(req) for req in [*project["dependencies"], *extras]]


def test_architecture_explains_every_dependency_of_pyproject():
    section = ARCHITECTURE.split("## Dependencies", 1)[1].lower().replace("_", "-")
    explained = set(re.findall(r"^- \*\*([^*]+)\*\*", section, flags=re.MULTILINE))
    explained = {_name(entry) for entry in explained}
    missing = [name for name in _requirements() if name not in explained]
    assert not missing, f"docs/architecture.md, Dependencies, does not explain {missing}"


def test_readme_shows_the_two_commands():
    assert "make run" in README and "make test" in README
    assert "http://127.0.0.1:8000" in README


def test_readme_documents_every_configuration_variable():
    missing = [name for name in DEPLOYMENT_VARIABLES if f"`{name}`" not in README]
    assert not missing, f"README.md does not document {missing}"


def test_the_fixed_points_name_the_variables_a_deployment_sets():
    section = FIXED_POINTS.split("## Configuration by environment", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in DEPLOYMENT_VARIABLES if f"`{name}`" not in section]
    assert not missing, f"docs/fixed-points.md does not name {missing}"


def test_readme_documents_every_intercoop_subcommand():
    subparsers = next(action for action in _parser()._actions if action.dest == "command")
    missing = [name for name in subparsers.choices if f"intercoop {name}" not in README]
    assert not missing, f"README.md does not document `intercoop` {missing}"


# What a clone must be understandable with: the code and docs point into the repository,
# never to notes kept elsewhere or to the tracker's issue numbers.
CHECKED_FOLDERS = ("forum", "mailbridge", "realtime", "config", "common", "tests", "bench")
CHECKED_FOLDERS += ("docs", "static", "templates")
CHECKED_FILES = ("README.md", "Makefile", "pyproject.toml", "docker-compose.yml", "Dockerfile")
CHECKED_SUFFIXES = {".py", ".html", ".js", ".css", ".md", ".txt", ".toml", ".yml"}
# Data, not prose: the mail corpus holds real messages as they were sent.
UNCHECKED = (ROOT / "tests" / "mail",)
# A Markdown file named anywhere must exist in the repository (the test below), so
# these are the pointers that name no file.
OUTSIDE_POINTERS = re.compile(
    r"\bdesign notes?\b"
    r"|\bthe (product )?brief\b"
    r"|\bissues? #?\d+"
    r"|\(issue\b",
    re.IGNORECASE,
)
MARKDOWN_PATH = re.compile(r"(?<![\w./-])([\w./-]*\w\.md)\b")


def checked_files() -> list[Path]:
    paths = [ROOT / name for name in CHECKED_FILES if (ROOT / name).is_file()]
    for folder in CHECKED_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in CHECKED_SUFFIXES or not path.is_file():
                continue
            if any(path.is_relative_to(unchecked) for unchecked in UNCHECKED):
                continue
            if "__pycache__" in path.parts or "node_modules" in path.parts:
                continue
            paths.append(path)
    return [path for path in paths if path != Path(__file__).resolve()]


def outside_pointers(text: str) -> list[str]:
    return [match.group(0) for match in OUTSIDE_POINTERS.finditer(text)]


def test_nothing_points_to_notes_outside_the_repository_or_to_issue_numbers():
    found = []
    for path in checked_files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for pointer in outside_pointers(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {pointer!r}")
    assert found == [], "point into docs/ instead:\n" + "\n".join(found)


def test_every_markdown_file_named_exists_in_the_repository():
    markdown = {path.relative_to(ROOT).as_posix() for path in ROOT.rglob("*.md")}
    markdown = {name for name in markdown if not name.startswith((".venv/", "node_modules/"))}
    missing = [
        f"{path.relative_to(ROOT)} names {name}"
        for path in checked_files()
        for name in markdown_missing(path.read_text(errors="replace"), markdown)
    ]
    assert missing == []


def markdown_missing(text: str, markdown: set[str]) -> list[str]:
    """The Markdown files `text` names that are not among `markdown` (repository paths)."""
    missing = []
    for name in sorted(set(MARKDOWN_PATH.findall(text))):
        name = name.removeprefix("./")
        if name in markdown or any(known.endswith("/" + name) for known in markdown):
            continue
        missing.append(name)
    return missing


def test_the_pointer_check_sees_what_it_is_for():
    assert outside_pointers('"""As the planning said (issue 6)."""') == ["(issue"]
    known = {"docs/architecture.md", "README.md"}
    assert markdown_missing("see notes/plan.md and docs/architecture.md", known) == [
        "notes/plan.md"
    ]
    assert outside_pointers("# see Issue #12, the brief, the design notes") == [
        "Issue #12",
        "the brief",
        "design notes",
    ]
    assert outside_pointers("À l'issue du questionnaire; briefly; docs/architecture.md") == []


# Measured figures go stale in a comment; they live in docs/benchmarks.md, and the
# comments of production code say why and point there.
PRODUCTION = ("forum", "mailbridge", "realtime", "config", "common")
FIGURE = re.compile(
    r"\d\s*(µs|ms)\b"
    r"|\d\s*(messages|posts|requests|pages|req|msg)/s\b"
    r"|\d\s*%"
    r"|\b(a|one) (tenth|third|fifth|sixth|quarter) of\b"
    r"|\d+\s*(to|–|-)\s*\d+\s*times\b"
    r"|\d\s*×"
)


def production_modules() -> list[Path]:
    return [
        path
        for folder in PRODUCTION
        for path in sorted((ROOT / folder).rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
    ]


def comments_and_docstrings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and every string standing as a statement."""
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            if isinstance(node.value.value, str):
                found.append((node.lineno, node.value.value))
    return sorted(found)


def test_production_comments_quote_no_measured_figure():
    found = []
    for path in production_modules():
        for line, text in comments_and_docstrings(path.read_text()):
            for match in FIGURE.finditer(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)!r}")
    assert found == [], "move the figure to docs/benchmarks.md:\n" + "\n".join(found)


def test_the_figure_check_sees_comments_and_docstrings():
    source = (
        '"""Fast: 35 µs a message."""\n'
        "TIMEOUT = 30  # seconds, a tenth of the gateway's CPU\n"
        "def f():\n"
        '    """No figure here, only 2 tries."""\n'
    )
    texts = [text for _, text in comments_and_docstrings(source)]
    assert [bool(FIGURE.search(text)) for text in texts] == [True, True, False]
