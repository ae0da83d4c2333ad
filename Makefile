# The commands the README names. `make run` starts Partnerhub; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all install run test fuzz chaos lint typecheck check postgres pgbouncer chromium bench clean

all: check test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Options for `partnerhub dev` go in ARGS: make run ARGS="--port 8731 --smtp-port 8026"
ARGS ?=
run: install
	$(BIN)/partnerhub dev $(ARGS)

# PostgreSQL's server binaries, for the tests that run on PostgreSQL (Debian's package).
postgres:
	@sh .ci/ensure-postgres

# PgBouncer, which tests/test_pgbouncer.py runs Partnerhub through (Debian's package).
pgbouncer:
	@sh .ci/ensure-pgbouncer

# Chromium, which the web console's browser tests drive (Debian's package).
chromium:
	@sh .ci/ensure-chromium

test: install postgres pgbouncer chromium
	$(BIN)/pytest

# The GraphQL fuzz test at length: FUZZ_EXAMPLES requests per principal (5,000 unless set),
# a new random seed each run, on both backends. The suite's own run is short and seeded.
FUZZ_EXAMPLES ?= 5000
fuzz: install postgres
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(BIN)/pytest tests/test_fuzz.py --timeout=0

# The fault-injection suite at length (tests/test_chaos.py): CHAOS_WEB web and CHAOS_WORKERS
# worker processes in production mode, CHAOS_SCALE times the workload, each fault lasting
# CHAOS_FAULT_SECONDS, the workers' own relay cron, and every fault. `make test` runs its
# short form: a worker killed, Redis restarted empty and SMTP refusing (tests/test_chaos.py).
CHAOS_WEB ?= 4
CHAOS_WORKERS ?= 4
CHAOS_SCALE ?= 10
CHAOS_FAULT_SECONDS ?= 10
chaos: install postgres
	CHAOS_WEB=$(CHAOS_WEB) CHAOS_WORKERS=$(CHAOS_WORKERS) CHAOS_SCALE=$(CHAOS_SCALE) \
	CHAOS_FAULT_SECONDS=$(CHAOS_FAULT_SECONDS) CHAOS_REAL_CRON=1 CHAOS_LONG=1 \
	$(BIN)/pytest tests/test_chaos.py -s --timeout=0

# Benchmarks print their figures against a baseline measured in the same run.
bench: install postgres
	$(BIN)/python -m benchmarks.sweep
	$(BIN)/python -m benchmarks.partner_types
	$(BIN)/python -m benchmarks.inbound
	$(BIN)/python -m benchmarks.access
	$(BIN)/python -m benchmarks.directory
	$(BIN)/python -m benchmarks.activity
	$(BIN)/python -m benchmarks.relationship_activity
	$(BIN)/python -m benchmarks.webhooks_due
	$(BIN)/python -m benchmarks.outbox_and_people
	$(BIN)/python -m benchmarks.at_size
	$(BIN)/python -m benchmarks.web
	$(BIN)/python -m benchmarks.heap
	$(BIN)/python -m benchmarks.invitations
	$(BIN)/python -m benchmarks.removal

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

check: lint typecheck

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
