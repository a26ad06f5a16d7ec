# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
# Python 3.11+ and make are the only prerequisites: make installs uv (pinned, hash-checked) with
# pip, and uv installs exactly what uv.lock says, never whatever is newest today.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
# uv uses the machine's Python and never downloads one; --locked refuses a lock out of step.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Compiled once at install: starts stay fast where PYTHONDONTWRITEBYTECODE is set.
export UV_COMPILE_BYTECODE := 1
SYNC   := $(UV) sync --locked --quiet --python $(PYTHON)

.PHONY: run test chat web install install-dev lock upgrade test-latest lint diagram i18n-check clean

run: install  ## Start on Telegram when TELEGRAM_BOT_TOKEN is set, otherwise a terminal chat
	@[ -n "$$TELEGRAM_BOT_TOKEN" ] || echo "comehome: a terminal chat as the demo client; Ctrl-D or Ctrl-C ends it."
	@[ -n "$$TELEGRAM_BOT_TOKEN" ] || echo "comehome: start over as a new client with: $(BIN)/comehome chat --user NAME"
	$(BIN)/comehome run

test: install-dev  ## Install and run every test (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/pytest

chat: install
	$(BIN)/comehome chat

web: install  ## The web door on http://127.0.0.1:8080/ (demo office on SQLite without a token)
	$(BIN)/comehome web

# Runtime packages only, for production; --inexact keeps test tools a developer installed.
install: $(UV)
	$(SYNC) --no-dev --inexact

install-dev: $(UV)
	$(SYNC)

$(UV): requirements-uv.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		-r requirements-uv.txt
	touch $(UV)

lock: $(UV)  ## After changing pyproject.toml: resolve uv.lock again, other pins kept
	$(UV) lock

upgrade: $(UV)  ## The deliberate upgrade: every package to the newest its range allows
	$(UV) lock --upgrade

# The suite against the newest versions the ranges allow, in an environment of its own, without
# touching uv.lock: finds drift on purpose before it finds a fresh machine.
test-latest: $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) .venv-latest
	VIRTUAL_ENV=.venv-latest $(UV) pip install --quiet --upgrade --refresh -e . --group dev
	.venv-latest/bin/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

diagram: install  ## Regenerate docs/journey.mmd and the README's diagram and transcript
	$(BIN)/comehome readme

i18n-check: install-dev
	$(BIN)/comehome i18n check

clean:
	rm -rf $(VENV) .venv-latest $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
