# One command per routine. `make dev` and `make test` set up first when needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
BROWSER_STAMP := $(VENV)/.browser-stamp
CHROMIUM := /usr/bin/chromium
AXE := node_modules/axe-core/axe.min.js

.PHONY: setup uv dev test test-fast lint bench clean

setup: $(STAMP) $(BROWSER_STAMP) $(AXE)

# uv installs exactly what uv.lock pins (`uv sync --locked` fails if the lock is stale).
# A uv on PATH is not trusted to be this version: the pinned one is installed with pip
# into its own small venv (.uv/), which works as root on a fresh Debian machine too
# (no --user install into an externally managed Python), again when UV_VERSION changes.
# UV=... overrides it.
UV_VERSION := 0.13.10
UV ?= .uv/bin/uv
UV_STAMP := .uv/.uv-$(UV_VERSION)

uv: $(UV_STAMP)

$(UV_STAMP):
	test -x .uv/bin/python || $(PY) -m venv .uv
	.uv/bin/python -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'
	touch $(UV_STAMP)

# Reinstall only when the dependencies or the lock change. --python keeps uv on this
# machine's interpreter (it never downloads one); the venv stays at .venv.
$(STAMP): pyproject.toml uv.lock | $(UV_STAMP)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --locked --extra dev --python $(PY)
	# Distil the static token table the default embedder reads (ADR 0003; minutes, once).
	$(BIN)/agentpay embeddings prepare
	# Byte-compile once: with PYTHONDONTWRITEBYTECODE set, every process would otherwise
	# recompile every module it imports.
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib layers/core/python tools > /dev/null || true
	touch $(STAMP)

# The widget's browser test drives Debian's chromium through Playwright, which never
# downloads a browser of its own. Installed once (as root, as in CI); otherwise a hint,
# and that one test skips. Stamped only once chromium is there.
$(BROWSER_STAMP): | $(STAMP)
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	    echo "installing chromium for the widget's browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium > /dev/null \
	      || echo "warning: could not install chromium; the widget's browser test will skip"; \
	  else \
	    echo "hint: install chromium (sudo apt-get install chromium) to run the widget's browser test"; \
	  fi; \
	fi
	@if [ -x $(CHROMIUM) ]; then touch $(BROWSER_STAMP); fi

# The same test audits the widget with axe-core, an npm package pinned in package-lock.json
# and served to the page by the test itself (no CDN). npm comes from Debian when missing
# (as root, as in CI); otherwise a hint, and the audit skips. npm extracts files with old
# timestamps, hence the touch.
$(AXE): package-lock.json | $(STAMP)
	@if ! command -v npm > /dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	    echo "installing npm for the widget's accessibility audit"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends nodejs npm > /dev/null \
	      || echo "warning: could not install npm; the widget's accessibility audit will skip"; \
	  else \
	    echo "hint: install npm (sudo apt-get install npm) for the widget's accessibility audit"; \
	  fi; \
	fi
	@if command -v npm > /dev/null; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $(AXE) \
	    || echo "warning: npm ci failed; the widget's accessibility audit will skip"; \
	fi

dev: setup
	$(BIN)/agentpay dev

# pytest caches each test module's assertion rewrite as bytecode, unless the environment
# forbids writing any (PYTHONDONTWRITEBYTECODE): then every run rewrites them all again.
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

test: setup
	$(PYTEST) -q

# The edit-test loop: units and in-process tests. tests/conftest.py marks the slow kinds
# (pyproject.toml registers them): the dev stack in a subprocess, the browser, fuzzing,
# benchmarks and timing, and waits on real timeouts. `make test` still runs them all.
# In parallel (pytest-xdist), each worker on its own copy of a migrated template database,
# a test file at a time (--dist loadfile: a file's fixtures are set up once, not once per
# worker; 53-56 s against 62-65 s with xdist's default on a quiet 2-core machine).
FAST_LANE := not (devstack or browser or fuzz or bench or slow)
WORKERS ?= 2

test-fast: setup
	$(PYTEST) -q -n $(WORKERS) --dist loadfile -m "$(FAST_LANE)"

lint: setup
	$(BIN)/ruff check layers functions tools tests
	$(BIN)/cfn-lint template.yaml

# Figures as JSON (one run each; the machine is shared, quote medians).
bench: setup
	$(BIN)/agentpay bench relevance
	$(BIN)/agentpay bench indexing
	$(BIN)/agentpay bench search --sizes 10000
	$(BIN)/agentpay bench realtime
	$(BIN)/agentpay bench load

clean:
	rm -rf $(VENV) .uv .agentpay .pytest_cache node_modules
