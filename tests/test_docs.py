"""The documentation keeps up with the code it describes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from config.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ARCHITECTURE = (ROOT / "docs/architecture.md").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

DESIGN_VARIABLES = (
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
    missing = [name for name in DESIGN_VARIABLES if f"`{name}`" not in README]
    assert not missing, f"README.md does not document {missing}"


def test_readme_documents_every_intercoop_subcommand():
    subparsers = next(action for action in _parser()._actions if action.dest == "command")
    missing = [name for name in subparsers.choices if f"intercoop {name}" not in README]
    assert not missing, f"README.md does not document `intercoop` {missing}"
