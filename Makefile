# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test chat web install lint diagram i18n-check clean

run: $(STAMP)  ## Start on Telegram when TELEGRAM_BOT_TOKEN is set, otherwise a terminal chat
	$(BIN)/comehome run

test: $(STAMP)  ## Install and run every test (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/pytest

chat: $(STAMP)
	$(BIN)/comehome chat

web: $(STAMP)  ## The web door on http://127.0.0.1:8080/ (demo office on SQLite without a token)
	$(BIN)/comehome web

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

diagram: $(STAMP)  ## Regenerate docs/journey.mmd and the README's diagram and transcript
	$(BIN)/comehome readme

i18n-check: $(STAMP)
	$(BIN)/comehome i18n check

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
