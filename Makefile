# What a newcomer types: `make run` starts Weft, `make test` runs every test.
# `make bench` runs the benchmarks (see docs/benchmarks.md).

CARGO ?= cargo
VENV  := .venv
# Seconds schemathesis fuzzes the live API on each database.
FUZZ_SECONDS ?= 60
PY_REQUIREMENTS := crates/weft/tests/schemathesis/requirements.txt $(wildcard crates/tally/reference/requirements.txt)

.PHONY: run test test-all test-rust test-api-fuzz test-tally-reference bench lint

## Run Weft on its embedded SQLite database at http://127.0.0.1:8080, with a demo community
## on first start (`weft demo` prints how to log in)
run:
	$(CARGO) run --release -p weft -- demo --if-empty
	$(CARGO) run --release -p weft -- serve

## Every test: unit, property and HTTP integration tests on SQLite and PostgreSQL, the
## schemathesis fuzzing of the live API, and the tally cross-checks against Python references.
test: $(VENV)/.installed
	crates/testkit/with-postgres $(MAKE) --no-print-directory test-all

test-all: test-rust test-api-fuzz test-tally-reference

test-rust:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --no-fail-fast; \
	else \
	  $(CARGO) test --workspace --no-fail-fast; \
	fi

test-api-fuzz: $(VENV)/.installed
	$(CARGO) build -p weft
	crates/weft/tests/schemathesis/run target/debug/weft $(VENV)/bin/schemathesis $(FUZZ_SECONDS)

test-tally-reference: $(VENV)/.installed
	@if [ -f crates/tally/reference/crosscheck.py ]; then \
	  $(VENV)/bin/python crates/tally/reference/crosscheck.py; \
	fi

$(VENV)/.installed: $(PY_REQUIREMENTS)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet $(addprefix -r ,$(PY_REQUIREMENTS))
	touch $@

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench:
	bench/run
