"""The translation catalogues are complete and their compiled .mo files up to date.

A newcomer without GNU gettext runs the committed .mo files, so a .po edited without
recompiling would silently show stale text: these tests catch it.
"""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po"))


def _entries(po_path: Path):
    return [entry for entry in polib.pofile(str(po_path)) if not entry.obsolete and entry.msgid]


def test_french_and_english_catalogues_exist():
    languages = {path.parent.parent.name for path in CATALOGUES}
    assert {"fr", "en"} <= languages


def test_every_english_string_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(ROOT / "locale/en/LC_MESSAGES/django.po"))
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_compiled_catalogue_matches_its_source(po_path):
    with open(po_path.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in _entries(po_path):
        if entry.msgid_plural:
            for n, expected in ((1, entry.msgstr_plural.get(0)), (5, entry.msgstr_plural.get(1))):
                if expected:
                    assert compiled.ngettext(entry.msgid, entry.msgid_plural, n) == expected
        elif entry.msgstr:
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            assert compiled._catalog.get(key) == entry.msgstr, (
                f"{po_path.with_suffix('.mo')} is stale for {entry.msgid!r}: run `make messages`"
            )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext not installed")
def test_catalogues_hold_every_string_of_the_code(tmp_path):
    """Extract the strings again from a copy of the sources and compare msgids."""
    for folder in ("config", "forum", "mailbridge", "realtime", "templates"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("tests"))
    (tmp_path / "locale").mkdir()
    # makemessages writes into LOCALE_PATHS first: point it at the copy, not the repo.
    (tmp_path / "extract_settings.py").write_text(
        "from config.settings import *  # noqa\nLOCALE_PATHS = []\n"
    )
    committed_before = (ROOT / "locale/en/LC_MESSAGES/django.po").read_bytes()
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "extract_settings"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-location"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    assert (ROOT / "locale/en/LC_MESSAGES/django.po").read_bytes() == committed_before
    extracted = {e.msgid for e in _entries(tmp_path / "locale/en/LC_MESSAGES/django.po")}
    committed = {e.msgid for e in _entries(ROOT / "locale/en/LC_MESSAGES/django.po")}
    assert extracted - committed == set(), "new strings not in locale/: run `make messages`"
