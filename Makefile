# What a newcomer types: `make run` starts Weft, `make test` runs every test.
# `make bench` runs the benchmarks (see docs/benchmarks.md).

CARGO ?= cargo
VENV  := .venv
# Seconds schemathesis fuzzes the live API on each database.
FUZZ_SECONDS ?= 60
PY_REQUIREMENTS := crates/weft/tests/schemathesis/requirements.txt $(wildcard crates/tally/reference/requirements.txt)

# The browser libraries (htmx, its SSE extension) are embedded into the binary at build
# time, and the browser tests use playwright-core and axe-core: npm installs them all,
# exactly as web/package-lock.json pins them.
WEB_MODULES := web/node_modules/.installed

.PHONY: run test test-all test-rust test-api-fuzz test-tally-reference test-browser bench lint

## Run Weft on its embedded SQLite database at http://127.0.0.1:8080, with a demo community
## on first start (`weft demo` prints how to log in)
run: $(WEB_MODULES)
	$(CARGO) run --release -p weft -- demo --if-empty
	$(CARGO) run --release -p weft -- serve

## Every test: unit, property and HTTP integration tests on SQLite and PostgreSQL, the
## schemathesis fuzzing of the live API, the tally cross-checks against Python references
## (the crate's counts, ranked polls' results over HTTP: crates/tools/decide/reference/,
## wiki-survey rankings over HTTP against choix: crates/tools/ideas/reference/, and budget
## rounds' results over HTTP against pabutools: crates/tools/budget/reference/), and the
## browser tests in headless Chromium.
test: $(VENV)/.installed $(WEB_MODULES)
	crates/testkit/with-postgres $(MAKE) --no-print-directory test-all

test-all: test-rust test-api-fuzz test-tally-reference test-browser

test-rust: $(WEB_MODULES)
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --no-fail-fast; \
	else \
	  $(CARGO) test --workspace --no-fail-fast; \
	fi

test-api-fuzz: $(VENV)/.installed $(WEB_MODULES)
	$(CARGO) build -p weft
	crates/weft/tests/schemathesis/run target/debug/weft $(VENV)/bin/schemathesis $(FUZZ_SECONDS)

test-tally-reference: $(VENV)/.installed $(WEB_MODULES)
	$(CARGO) build -p weft
	@if [ -f crates/tally/reference/crosscheck.py ]; then \
	  $(VENV)/bin/python crates/tally/reference/crosscheck.py; \
	fi
	$(VENV)/bin/python crates/tools/decide/reference/crosscheck_http.py --binary target/debug/weft
	$(VENV)/bin/python crates/tools/ideas/reference/crosscheck_http.py --binary target/debug/weft
	$(VENV)/bin/python crates/tools/budget/reference/crosscheck_http.py --binary target/debug/weft

## Pages in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM=…): sign up, log in
## and out, password reset, /ui, axe-core on every page; screenshots in target/screenshots/.
test-browser: $(WEB_MODULES)
	$(CARGO) build -p weft
	web/tests/run target/debug/weft

$(WEB_MODULES): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	touch $@

$(VENV)/.installed: $(PY_REQUIREMENTS)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet $(addprefix -r ,$(PY_REQUIREMENTS))
	touch $@

lint: $(WEB_MODULES)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench: $(WEB_MODULES)
	bench/run
