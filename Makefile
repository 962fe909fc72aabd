# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-test system-test-deps bench-deps lint bench

run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py pufa_demo
	$(PY) manage.py pufa_run

test: install-test system-test-deps
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# The stamp is written only once the venv works, so an interrupted setup is redone.
$(VENV)/.created:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Pufa needs Python 3.11 or newer"'
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c 'import ensurepip' 2>/dev/null \
	  || (command -v apt-get >/dev/null && $(SUDO) apt-get update -qq \
	      && $(SUDO) apt-get install -y -qq python3-venv)
	$(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -q -e ".[test]"
	@touch $@

# Debian's Chromium for the browser journeys and a CJK font for screenshots
# and burned-in subtitles, installed where the machine allows it.
system-test-deps:
	@if command -v chromium >/dev/null && fc-list :lang=zh | grep -q .; then :; \
	elif command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    chromium fonts-noto-cjk >/dev/null; \
	else echo "warning: chromium or a CJK font is missing and cannot be installed here"; fi

lint: install-test
	$(VENV)/bin/ruff check .

# nginx for bench/web_static and wrk as the load generator of bench/web; the
# benches fall back to Python threads without wrk, and skip (d)/(e) without nginx.
bench-deps:
	@if command -v nginx >/dev/null && command -v wrk >/dev/null; then :; \
	elif command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    nginx wrk >/dev/null; \
	else echo "warning: nginx or wrk is missing and cannot be installed here"; fi

bench: install-test bench-deps
	$(PY) bench/web
	$(PY) bench/web_static
