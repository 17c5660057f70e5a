"""pytest plugin loaded first (`-p config.testing` in pyproject): gives the test run a
throw-away data dir before pytest-django imports the settings, so tests never touch
./var. Tests that need their own data dir start subprocesses with one."""

import os
import tempfile

os.environ.setdefault("INTERCOOP_DATA_DIR", tempfile.mkdtemp(prefix="intercoop-test-"))
