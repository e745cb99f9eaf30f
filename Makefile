# minyi: `make run` serves the whole backend locally; `make test` runs lint and every test tier.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST := $(PY) -m pytest -q -p no:cacheprovider
# Let each tier's processes reuse the modules (and pytest's rewritten tests) the previous ones
# compiled, even where the environment asks Python not to: the clone's __pycache__ is ignored.
unexport PYTHONDONTWRITEBYTECODE

# CI runs the clock-sensitive tiers in a week a year back and a year ahead of today (tests/clock.py)
CLOCK_PAST := $(shell date -d '-1 year' +%F)
CLOCK_FUTURE := $(shell date -d '+1 year' +%F)

.PHONY: venv run test lint unit services integration e2e infra synth token bench clean clock-matrix bundle package \
	integration-past integration-future e2e-past e2e-future faults

# --no-compile: pip would byte-compile every installed module (moto's hundred services, all of
# botocore...), 137 s against 39 s for the install here; the tiers compile what they import, once
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip<26.3"
	$(PY) -m pip install -q --no-compile -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(PY) scripts/local_stack.py run

# The e2e tier mostly waits (real Step Functions Wait states, the pump's polling), so each clock's
# e2e run overlaps a CPU-bound tier (infra's synth, the bundle) to keep CI under 20 minutes.
test: venv lint unit services
	$(MAKE) --no-print-directory integration-past
	$(MAKE) --no-print-directory -j2 -O e2e-past infra
	$(MAKE) --no-print-directory integration-future
	$(MAKE) --no-print-directory -j2 -O e2e-future bundle

lint: venv
	$(VENV)/bin/ruff check .

unit: venv
	$(PYTEST) tests/unit

# use cases on in-memory fakes of the repositories, sockets refused (tests/services/conftest.py)
services: venv
	$(PYTEST) tests/services

integration: venv
	$(PYTEST) tests/integration -n 2 --dist loadfile

e2e: venv
	$(PYTEST) tests/e2e

clock-matrix: integration-past e2e-past integration-future e2e-future

# the future clock's runs leave out the longest tests (about 100 s of integration, 50 s of e2e),
# which check nothing the calendar changes: who may call what, no 5xx for any request, responses
# that conform to the document (marker one_clock)
integration-past integration-future: venv
	MINYI_TEST_CLOCK_START=$(if $(findstring past,$@),$(CLOCK_PAST),$(CLOCK_FUTURE)) \
	  $(PYTEST) tests/integration -n 2 --dist loadfile --durations=15 \
	  $(if $(findstring future,$@),-m "not one_clock")

e2e-past e2e-future: venv
	MINYI_TEST_CLOCK_START=$(if $(findstring past,$@),$(CLOCK_PAST),$(CLOCK_FUTURE)) \
	  $(PYTEST) tests/e2e --durations=5 $(if $(findstring future,$@),-m "not one_clock")

# the fault tier (issue 11): AWS calls failed or held by a proxy, moto frozen, the API and the
# pump killed, on the e2e local stack; then every acknowledged ticket is reconciled. Two stacks,
# one per file (outbox faults, request-path faults): the tests mostly wait, so they overlap
faults: venv
	$(PYTEST) tests/faults -n 2 --dist loadfile --durations=10

infra: venv
	@if [ -d tests/infra ]; then $(PYTEST) tests/infra; else echo "no infra tests yet"; fi

bundle: venv
	$(PYTEST) tests/bundle

# the Lambda bundle of a stage, trimmed (scripts/bundle.py): make package STAGE=dev
package: venv
	$(PY) scripts/bundle.py --stage $(or $(STAGE),dev) --out .local/bundle-$(or $(STAGE),dev)

synth: venv
	$(PY) infra/app.py

token: venv
	@$(PY) scripts/local_stack.py token $(or $(USER_ID),$(USER))

bench: venv
	$(PY) bench/submit.py --n 200

clean:
	rm -rf $(VENV) .local infra/cdk.out
