# Intercoop — the two commands a newcomer needs:
#
#   make run    everything in one process on http://127.0.0.1:8000 (SMTP on 127.0.0.1:2525)
#   make test   the whole test suite
#
# Both create .venv (Python >= 3.11) and install the project with its dev extras on
# first use, and again only when pyproject.toml changes. Nothing else to install by hand.

VENV        := .venv
VENV_PYTHON := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
# Interpreters tried in order; the first one that runs and is >= 3.11 makes the venv.
# Override with e.g. `make PYTHON=/usr/local/bin/python3.12 run`.
PYTHON_CANDIDATES := python3.11 python3.12 python3.13 python3
PYTHON      ?=
RUN_ARGS    ?=
PYTEST_ARGS ?=
# The suite waits on sockets, subprocesses and a browser as much as on the CPU: three
# workers fill two cores. Each test file stays on one worker, in order (--dist loadfile).
PYTEST_WORKERS ?= 3
LANGUAGES   := fr en
# Directories that hold no translatable strings of ours (Django walks the whole tree).
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=build --ignore=node_modules

.DEFAULT_GOAL := help
.PHONY: help run test venv install lint messages screenshots clean-venv

help:
	@echo "make run       start Intercoop (web http://127.0.0.1:8000, SMTP 127.0.0.1:2525)"
	@echo "make test      run the whole test suite (PYTEST_ARGS='-k smtp' to narrow it)"
	@echo "make install   create .venv and install the project (done by run/test)"
	@echo "make lint      ruff check"
	@echo "make messages  update and compile the fr/en translations (needs GNU gettext)"
	@echo "make screenshots  the pages as PNG in docs/screenshots/ (needs chromium)"

run: install
	$(VENV)/bin/intercoop run $(RUN_ARGS)

test: install
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

venv: $(VENV_PYTHON)

install: $(STAMP)

# The venv is (re)made only when its interpreter is missing or broken (a dangling
# symlink counts as missing for make); --clear also drops the stale install stamp.
$(VENV_PYTHON):
	@python="$(PYTHON)"; \
	if [ -z "$$python" ]; then \
	  for candidate in $(PYTHON_CANDIDATES); do \
	    if $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
	      python=$$candidate; break; \
	    fi; \
	  done; \
	fi; \
	if [ -z "$$python" ] || ! $$python -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
	  echo "error: Intercoop needs Python 3.11 or newer, and $${python:-none of $(PYTHON_CANDIDATES)} is not." >&2; \
	  echo "       Install one (e.g. 'apt-get install python3' on Debian 12) or run" >&2; \
	  echo "       'make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)'." >&2; \
	  exit 1; \
	fi; \
	echo "Creating $(VENV) with $$($$python -c 'import sys; print(sys.executable, sys.version.split()[0])')"; \
	$$python -m venv --clear $(VENV) || { \
	  echo "error: '$$python -m venv' failed; on Debian install the venv module: apt-get install python3-venv" >&2; \
	  exit 1; }

$(STAMP): pyproject.toml | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --disable-pip-version-check -e ".[dev]"
	@touch $@

# The pictures of docs/screenshots/ (tests/browser/screenshots.py; needs chromium).
screenshots: install
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest -q -p no:cacheprovider -p no:xdist tests/browser/screenshots.py

lint: install
	$(VENV)/bin/ruff check .

messages: install
	@command -v msgfmt >/dev/null 2>&1 || { \
	  echo "error: GNU gettext is missing (msgfmt not found); install it, e.g. apt-get install gettext" >&2; \
	  exit 1; }
	$(VENV_PYTHON) manage.py makemessages --no-location $(addprefix -l ,$(LANGUAGES)) $(I18N_IGNORE)
	$(VENV_PYTHON) manage.py compilemessages $(addprefix -l ,$(LANGUAGES)) $(I18N_IGNORE)

clean-venv:
	rm -rf $(VENV)
