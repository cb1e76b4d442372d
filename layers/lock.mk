# Shared by the dependency layers' Makefiles: install one [dependency-groups] entry of
# pyproject.toml into a layer at exactly the versions uv.lock pins, as manylinux x86_64
# wheels for CPython 3.12 (Lambda's python3.12 runtime runs on Amazon Linux 2023, glibc
# 2.34, hence manylinux_2_34: numpy 2.3+ publishes manylinux_2_28 wheels only), whatever
# Python runs the build: no Docker.
#
# sam builds each layer in a scratch copy of its folder but passes make the Makefile's
# path in the source tree, so the repository (pyproject.toml, uv.lock) is found from there.
# The including Makefile sets LAYER_GROUP (and SHARED_GROUPS: groups whose packages another
# layer of the same functions already ships, so each distribution is installed once).
ROOT := $(abspath $(dir $(firstword $(MAKEFILE_LIST)))../..)
PY ?= python3
# The repository's pinned uv (make setup installs it), else one on PATH.
UV ?= $(firstword $(wildcard $(ROOT)/.uv/bin/uv) $(shell command -v uv) $(ROOT)/.uv/bin/uv)
PY312 ?= python3.12
TARGET = $(ARTIFACTS_DIR)/python
REQUIREMENTS = $(ARTIFACTS_DIR)/../$(LAYER_GROUP)-requirements.txt
# The Lambda runtime ships boto3 and what it needs; never install them into a layer.
RUNTIME_PROVIDED = boto3 botocore s3transfer
EXPORT = $(UV) export --frozen --project "$(ROOT)" --format requirements.txt \
	--no-emit-project --no-header --no-annotate
shared_names = $(foreach group,$(SHARED_GROUPS),$(shell $(EXPORT) --no-hashes --only-group $(group) \
	| sed -n 's/^\([A-Za-z0-9._-]*\)==.*/\1/p'))

.PHONY: install-locked-group compile-for-lambda

# uv.lock's pins for the group's closure (with their hashes), less what the runtime or a
# shared layer provides, installed without resolving anything again (--no-deps).
install-locked-group: $(UV)
	$(EXPORT) --only-group $(LAYER_GROUP) \
		$(addprefix --no-emit-package ,$(RUNTIME_PROVIDED) $(shared_names)) > "$(REQUIREMENTS)"
	$(UV) pip install --quiet --no-deps --require-hashes --only-binary :all: \
		--python-platform x86_64-manylinux_2_34 --python-version 3.12 \
		--target "$(TARGET)" -r "$(REQUIREMENTS)"
	rm -rf "$(TARGET)"/bin "$(REQUIREMENTS)"

# Bytecode: /opt is read-only in Lambda, so modules without a matching .pyc are compiled on
# every cold start (seconds for FastAPI + pydantic + Powertools). Compiled with python3.12
# when one is on PATH (as in `sam build --use-container`); unchecked-hash .pyc files stay
# valid whatever mtimes the zip carries.
compile-for-lambda:
	@if $(PY312) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then \
		$(PY312) -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(TARGET)" >/dev/null || echo "note: some files in $(TARGET) did not compile" >&2; \
	else \
		echo "note: $(PY312) is not a working Python 3.12: $(LAYER_GROUP) ships without bytecode (slower cold starts); use 'sam build --use-container' or put python3.12 on PATH" >&2; \
	fi

$(ROOT)/.uv/bin/uv:
	$(MAKE) -C "$(ROOT)" uv
