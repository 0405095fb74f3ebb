# The project's commands. Each sets up .venv first (pinned dependencies from requirements.txt).
#   make serve       regenerate stale outputs, build both languages, serve at http://127.0.0.1:8000/ (live reload)
#   make test        the whole test suite in phases, then where the time went (regenerates nothing: a stale output fails)
#   make test-quick  everything but running the programs and driving the browser: builds, links, records (< 1 min)
#   make site        the static site in site/ (site/en, site/zh, site/index.html)
#   make snippets    regenerate stale outputs (FORCE=1: all of them)
#   make check       verify recorded outputs against their programs, running nothing
#   make bench       time regeneration, builds, the test phases and page weight against the budgets

PYTHON ?= $(shell command -v python3.11 || command -v python3)
INSTALLER ?= uv
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve test test-quick site snippets check bench browser clean help
help:
	@sed -n '2,9p' Makefile | sed 's/^# //'

# uv installs the pins in about half pip's time; INSTALLER=pip uses plain pip (scripts/setup_env.py).
$(STAMP): requirements.txt scripts/setup_env.py
	$(PYTHON) scripts/setup_env.py --installer $(INSTALLER)

snippets: $(STAMP)
	$(PY) scripts/snippets.py $(if $(FORCE),--force)
	$(PY) scripts/diagrams.py

check: $(STAMP)
	$(PY) scripts/snippets.py --check
	$(PY) scripts/diagrams.py --check

site: snippets
	$(PY) scripts/build_site.py

serve: snippets
	$(PY) scripts/serve.py

bench: $(STAMP) browser
	$(PY) scripts/bench.py

# Debian's Chromium (and CJK fonts) for the browser tests; installed when missing and we may apt-get.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "note: /usr/bin/chromium is missing; browser tests will be skipped (install Debian's chromium and fonts-noto-cjk)"; \
	  fi; \
	fi

test: $(STAMP) browser
	$(PY) scripts/run_tests.py

test-quick: $(STAMP)
	$(PY) scripts/run_tests.py --quick

clean:
	rm -rf site .pytest_cache
