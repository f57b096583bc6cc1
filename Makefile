# Two commands matter: `make run` (the whole system on one machine over moto) and `make test`.
# Both set themselves up: the virtualenv is created and the pinned dependencies installed on first use.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt layers/shared/requirements.txt | cksum | cut -d' ' -f1)
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers/shared
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test unit lint asl validate build bench openapi mutate breakages clean help-index

# The help centre's search index is built from the articles, never at a function's cold start; sam build runs the
# same builder for the layer (layers/shared/Makefile).
HELP := layers/shared/supportdesk/help
HELP_INDEX := $(HELP)/index.json
HELP_SOURCES := $(wildcard $(HELP)/articles/*.md) $(HELP)/synonyms.txt $(HELP)/chardata.json $(wildcard $(HELP)/*.py)

setup: $(STAMP) $(HELP_INDEX)

help-index: $(HELP_INDEX)

$(HELP_INDEX): $(STAMP) $(HELP_SOURCES)
	$(PY) -m supportdesk.help.build

$(STAMP): requirements-dev.txt layers/shared/requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required (the Lambda runtime is python3.11)"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP) $(HELP_INDEX)
	$(PY) -m local

# Two workers: the machine (and CI) has 2 cores; each worker has its own moto and local stack. The ten slowest tests
# are listed at the end: make test must stay under 10 minutes (docs/testing.md).
test: $(STAMP) $(HELP_INDEX) lint asl validate
	$(PY) -m pytest -n 2 --durations=10

unit: $(STAMP) $(HELP_INDEX)
	$(PY) -m pytest tests/unit

# checkov in its own virtualenv (it pins an older boto3); waivers, one reason each, are in .checkov.yaml.
CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV): requirements-checkov.txt
	test -x .venv-checkov/bin/python || $(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# cfn-lint on the template; ruff (ruff.toml: lint rules and the format, at 120 columns) and mypy (mypy.ini) on the
# code that ships or runs the local stack: functions/, layers/, local/; checkov on the template.
lint: $(STAMP) $(CHECKOV)
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/ruff check --no-cache functions layers local
	$(VENV)/bin/ruff format --check --no-cache functions layers local
	$(VENV)/bin/mypy
	BC_SKIP_MAPPING=TRUE $(CHECKOV) --config-file .checkov.yaml

# Amazon States Language: the npm asl-validator (exact versions from tools/asl-validator/package-lock.json) checks
# every state machine definition (cfn-lint does not read a DefinitionUri file). npm comes from Debian's packages
# when the machine has none.
ASL_DIR := tools/asl-validator
ASL := $(ASL_DIR)/node_modules/.bin/asl-validator
$(ASL): $(ASL_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: installing Debian's nodejs and npm"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	cd $(ASL_DIR) && npm ci --no-audit --no-fund --silent
	touch $@

asl: $(ASL)
	$(ASL) $(foreach f,$(wildcard statemachines/*.asl.json tests/fixtures/*.asl.json),--json-path $(f))

# `sam validate --lint` (in make test) and `sam build` exactly as a deploy runs them (SAM CLI lives in .venv-sam; about
# 40 s to install with a warm pip cache, several minutes on a cold one).
SAM := .venv-sam/bin/sam
$(SAM): requirements-sam.txt
	test -x .venv-sam/bin/python || $(PYTHON) -m venv .venv-sam
	.venv-sam/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	touch $@

validate: $(SAM)
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint

build: $(SAM)
	SAM_CLI_TELEMETRY=0 $(SAM) build

bench: $(STAMP) $(HELP_INDEX)
	$(PY) -m tests.bench

# Mutation testing of the pure domain modules (see docs/testing.md): slow, so not part of `make test`. For each
# module:tests pair, mutmut changes the module in place one mutant at a time, runs those unit tests, and restores it:
# run nothing else in this tree meanwhile. This list is the whole configuration: paths under layers/shared/supportdesk
# (the pure rules: shared masking and business hours at the top, queue arithmetic, references and the wait estimate
# in tickets/, the reset rules in reset/service.py, the refund policy in refunds/policy.py; the adapters around them
# are tested by the integration tests).
# `make mutate MUTATE="tickets/queue.py:test_ticket_queue_math.py"` runs one pair. mutmut 2 counts only exit status 1
# as a killed mutant, while pytest exits 2 when a mutant breaks the import of the module (collection error): the
# runner turns every failure into 1, so such mutants count as detected instead of surviving.
MUTATE := \
  tickets/references.py:test_ticket_references.py,test_domain_mutants.py \
  tickets/queue.py:test_ticket_queue_math.py,test_domain_mutants.py \
  tickets/waiting.py:test_waiting.py,test_domain_mutants.py \
  masking.py:test_masking.py,test_domain_mutants.py \
  hours.py:test_business_hours.py,test_domain_mutants.py \
  reset/service.py:test_reset_service.py,test_domain_mutants.py \
  refunds/policy.py:test_refund_policy.py
# A mutant that makes the tests loop (a Fenwick step of 0...) is stopped after MUTANT_SECONDS and counts as detected
# (the unmutated tests take about 3 s); without the cap each such mutant waited for mutmut's own, much longer, timeout.
MUTANT_SECONDS ?= 30
MUTMUT := .venv-mutate/bin/mutmut
$(MUTMUT): requirements-mutate.txt
	test -x .venv-mutate/bin/python || $(PYTHON) -m venv .venv-mutate
	.venv-mutate/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-mutate.txt
	touch $@

mutate: $(STAMP) $(MUTMUT)
	rm -rf .mutmut-cache .mutmut && mkdir .mutmut
	for pair in $(MUTATE); do \
	  module=$${pair%%:*}; tests=$$(echo "$${pair#*:}" | tr ',' '\n' | sed 's|^|tests/unit/|' | tr '\n' ' '); \
	  rm -f .mutmut-cache; \
	  $(MUTMUT) run --paths-to-mutate layers/shared/supportdesk/$$module --simple-output --no-progress \
	    --runner "sh -c 'timeout $(MUTANT_SECONDS) $(CURDIR)/$(PY) -m pytest -x -q -p no:cacheprovider $$tests || exit 1'"; \
	  $(MUTMUT) results | sed -n '/---- /,$$p'; \
	  cp .mutmut-cache .mutmut/$$(echo $$module | tr '/' '_').db; \
	done
	$(PY) -m tests.mutation_score .mutmut/*.db

# Each guarantee broken on purpose (tests/breakages.py), in a copy of the tree: the tests that prove it must fail.
breakages: $(STAMP) $(HELP_INDEX)
	$(PY) -m tests.breakages

openapi: $(STAMP)
	$(PY) -m local.openapi --write docs/openapi.json

clean:
	rm -rf $(VENV) .venv-sam .venv-checkov .venv-mutate .aws-sam .pytest_cache .mypy_cache .ruff_cache .mutmut-cache .mutmut
