"""Who may import whom among the packages (docs/architecture.md, "The map"), and how
long a module may grow.

The forum works without mail and live updates: it imports neither `mailbridge` nor
`realtime`, and names no module of theirs in a string (a dotted path handed to
`import_string` or `apps.get_model` is an import all the same). Those two hear of the
forum through its events and never import each other; `common` imports no app; no
app imports `config`, the project that wires them. Every import counts, at any depth
of a module (inside a function too); the apps' tests are left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("forum", "mailbridge", "realtime", "config", "common")

# Package → the packages of ours it must never import.
FORBIDDEN = {
    "forum": {"mailbridge", "realtime", "config"},
    "mailbridge": {"realtime", "config"},
    "realtime": {"mailbridge", "config"},
    "common": {"forum", "mailbridge", "realtime", "config"},
}
DOTTED_PATH = re.compile(rf"^({'|'.join(PACKAGES)})(\.[A-Za-z_]\w*)+$")


def production_modules(package: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / package).rglob("*.py"))
        if "tests" not in path.relative_to(ROOT).parts
    ]


def named_modules(tree: ast.AST, *, strings: bool) -> set[str]:
    """Every module an import of `tree` names; with `strings`, also every string
    constant that is a dotted path into one of our packages."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif strings and isinstance(node, ast.Constant) and isinstance(node.value, str):
            if DOTTED_PATH.match(node.value):
                names.add(node.value)
    return names


def violations(package: str) -> list[str]:
    found = []
    for path in production_modules(package):
        tree = ast.parse(path.read_text(), filename=str(path))
        for name in sorted(named_modules(tree, strings=package in ("forum", "common"))):
            if name.split(".")[0] in FORBIDDEN[package]:
                found.append(f"{path.relative_to(ROOT)} names {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_what_the_map_allows(package):
    assert production_modules(package), f"no modules found under {package}/"
    assert violations(package) == []


def test_the_apps_do_import_the_forum_and_common():
    """The rules above are read from real imports: the allowed ones are seen."""
    seen = {
        package: {
            name.split(".")[0]
            for path in production_modules(package)
            for name in named_modules(ast.parse(path.read_text()), strings=False)
        }
        for package in ("mailbridge", "realtime", "forum")
    }
    assert {"forum", "common"} <= seen["mailbridge"]
    assert {"forum", "common"} <= seen["realtime"]
    assert "common" in seen["forum"]


def test_an_import_inside_a_function_or_a_dotted_path_in_a_string_counts():
    source = (
        "def on_save():\n"
        "    from mailbridge.models import MailboxHealth\n"
        "MODEL = 'realtime.models.LiveEvent'\n"
        "LABEL = 'realtime'\n"
    )
    names = named_modules(ast.parse(source), strings=True)
    assert names == {"mailbridge.models", "realtime.models.LiveEvent"}


# A module is read whole by whoever changes it: past this many lines it holds more
# than one concern, and is split along them.
MODULE_LINES_MAX = 400


def test_no_production_module_is_over_the_line_limit():
    too_long = []
    for package in PACKAGES:
        for path in production_modules(package):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            count = len(path.read_text().splitlines())
            if count > MODULE_LINES_MAX:
                too_long.append(f"{path.relative_to(ROOT)}: {count} lines")
    assert too_long == [], f"split these along their concerns: {too_long}"
