# Shurakum Live — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint typecheck imports pytest clean system-deps screenshots bench-broadcast \
	sample-report bench-export bench-console bench-polls bench-ingest bench-bot-api

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

## run: install, migrate the database and run the bot with its web server
run: $(VENV)/.installed
	$(BIN)/shurakum run

## test: ruff, mypy --strict, import-linter and the whole suite (SQLite and PostgreSQL)
test: lint typecheck imports pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

imports: $(VENV)/.installed-dev
	$(BIN)/lint-imports

pytest: $(VENV)/.installed-dev system-deps
	$(BIN)/python -m pytest

# Debian's Chromium (never a browser download) and Arabic fonts, for the browser tests and the
# guides' screenshots; installed when missing if we are root (as in CI), else a one-line hint.
CHROMIUM     ?= /usr/bin/chromium
FONTS        := /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf \
                /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
SYSTEM_DEBS  := chromium fonts-noto-core fonts-noto-color-emoji fonts-dejavu-core poppler-utils

## system-deps: install Chromium, Arabic and emoji fonts, poppler-utils (pdftoppm, pdftotext:
## the exports' tests and sample-report) (Debian, as root) when missing
system-deps:
	@if [ -x "$(CHROMIUM)" ] && ls $(FONTS) >/dev/null 2>&1 && command -v pdftoppm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing $(SYSTEM_DEBS) (browser tests, screenshots)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_DEBS); \
	else \
		echo "missing Chromium or fonts: sudo apt-get install $(SYSTEM_DEBS)" >&2; exit 1; \
	fi

## screenshots: the guides' pictures (docs/img/*.png), taken from the sandbox in headless Chromium
screenshots: $(VENV)/.installed-dev system-deps
	$(BIN)/python -m tests.browser.screenshots docs/img

## bench-broadcast: issue 3 broadcast benchmark on SQLite and PostgreSQL (~45 min); BENCH_ARGS=--quick
bench-broadcast: $(VENV)/.installed
	$(BIN)/python -m bench.broadcast $(BENCH_ARGS)

## sample-report: docs/sample-report.pdf and its first pages as docs/img/sample-report-*.png
sample-report: $(VENV)/.installed-dev system-deps
	$(BIN)/python -m tools.sample_report

## bench-export: issue 6 export benchmark (10k, 100k, 1M answers; minutes); BENCH_ARGS=--rows 10000
bench-export: $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.export $(BENCH_ARGS)

## bench-console: issue 7 console benchmark (300 and 20 questions/s, 50 consoles, both engines)
bench-console: $(VENV)/.installed-dev
	$(BIN)/python -m bench.console $(BENCH_ARGS)

## bench-bot-api: CPU per Bot API call, python-telegram-bot's HTTPXRequest beside ours (bot/http.py)
bench-bot-api: $(VENV)/.installed
	$(BIN)/python -m bench.bot_api $(BENCH_ARGS)

## bench-polls: issue 5 vote benchmark (10,000 viewers, both engines, beside an echo bot); BENCH_ARGS=--viewers 2000
bench-polls: $(VENV)/.installed
	$(BIN)/python -m bench.polls $(BENCH_ARGS)

## bench-ingest: issue 4 questions and upvotes benchmark (2,000 viewers, both engines, limits off then on)
bench-ingest: $(VENV)/.installed
	$(BIN)/python -m bench.ingest $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
