# Equinet: every command a person needs. `make help` lists them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test lint format install clean-db bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## create .venv and install Equinet with its test tools

run: $(VENV)/.installed ## start Equinet on http://127.0.0.1:8000 (embedded PostgreSQL unless DATABASE_URL is set)
	$(BIN)/equinet serve

test: $(VENV)/.installed ## run the whole test suite (TEST_DATABASE_URL / REDIS_URL to use real services)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff check + format check, mypy on src
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src

format: $(VENV)/.installed ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

clean-db: ## delete the embedded databases (.equinet/); stop `make run` first
	rm -rf .equinet

N ?= 10000
.PHONY: seed-scale
seed-scale: $(VENV)/.installed ## add N providers of benchmark data, ~100 bookings each (N=10000; dev/test only)
	$(BIN)/equinet db seed --scale $(N)

.PHONY: bench-pool
bench-pool: $(VENV)/.installed ## throughput and pool waits at pool sizes 2/5/10/20 (BENCH_DATABASE_URL, loopback, seeded data)
	$(BIN)/python bench/pool_sizes.py $(BENCH_ARGS)

PROVIDERS ?= 10000
SMALL_PROVIDERS ?= 100
DURATION ?= 10
CONNECTIONS ?= 1 10 50
ONLY ?=
.PHONY: bench
bench: $(VENV)/.installed ## the benchmark: wrk on every hot endpoint + pgbench on its SQL at ~1M and ~10k bookings, into docs/benchmarks.md (PROVIDERS SMALL_PROVIDERS DURATION CONNECTIONS ONLY)
	$(BIN)/python bench/make_bench.py --providers $(PROVIDERS) --small-providers $(SMALL_PROVIDERS) \
		--duration $(DURATION) --connections "$(CONNECTIONS)" --only "$(ONLY)" $(BENCH_ARGS)

.PHONY: bench-http
bench-http: $(VENV)/.installed ## hot read paths over HTTP vs pgbench on the same SQL (BENCH_DATABASE_URL, loopback, seeded data)
	$(BIN)/python bench/http_hot_paths.py $(BENCH_ARGS)

.PHONY: bench-routes
bench-routes: $(VENV)/.installed ## route optimisation: 30 stops in under a second, never longer than the given order
	$(BIN)/python bench/route_optimisation.py $(BENCH_ARGS)

.PHONY: messages
messages: $(VENV)/.installed ## extract the Swedish messages and add the new ones to the English catalogue
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k mark -o .equinet/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i .equinet/messages.pot -d src/equinet/locale -l en --no-fuzzy-matching --ignore-obsolete

.PHONY: worker
worker: $(VENV)/.installed ## run a job worker on its own (`make run` already starts one)
	$(BIN)/equinet worker

.PHONY: bench-jobs
bench-jobs: $(VENV)/.installed ## job queue: enqueue latency in a transaction and drain rate (BENCH_DATABASE_URL, loopback)
	$(BIN)/python bench/job_queue.py $(BENCH_ARGS)

DOWN ?= 120
.PHONY: drill-smtp
drill-smtp: $(VENV)/.installed ## SMTP down DOWN seconds (120) during bookings: every e-mail arrives, none twice
	$(BIN)/python bench/drill_smtp.py --down $(DOWN) --port $(DRILL_APP_PORT) $(BENCH_ARGS)
FUZZ_EXAMPLES ?= 150
.PHONY: fuzz
HYPOTHESIS_EXAMPLES ?= 100
fuzz: $(VENV)/.installed ## long schemathesis run as anonymous, customer, provider, admin (FUZZ_EXAMPLES=150 per route and mode) and the slot properties (HYPOTHESIS_EXAMPLES=100 per day)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) HYPOTHESIS_EXAMPLES=$(HYPOTHESIS_EXAMPLES) $(BIN)/pytest -q tests/test_api_fuzz.py tests/availability/test_slot_properties.py $(PYTEST_ARGS)

DRILL_ARGS ?=
# Every drill of `make drills` uses these ports in turn (the app's, its PostgreSQL's, its Redis').
DRILL_APP_PORT ?= 8103
DRILL_PG_PORT ?= 18103
DRILL_REDIS_PORT ?= 18113
DRILL_PORTS = --app-port $(DRILL_APP_PORT) --pg-port $(DRILL_PG_PORT)
.PHONY: drill-postgres drill-redis drill-pool drill-statement-timeout drill-worker-kill drills
drill-postgres: $(VENV)/.installed ## fault drill: PostgreSQL restart during booking load (own throwaway PostgreSQL; DRILL_ARGS="--duration 40")
	$(BIN)/python bench/drill_postgres_restart.py $(DRILL_PORTS) $(DRILL_ARGS)

drill-redis: $(VENV)/.installed ## fault drill: Redis stopped 60 s, then hung 60 s, during load (own redis-server; DRILL_ARGS="--outage 20")
	$(BIN)/python bench/drill_redis.py $(DRILL_PORTS) --redis-port $(DRILL_REDIS_PORT) $(DRILL_ARGS)

drill-pool: $(VENV)/.installed ## fault drill: pool exhaustion under a booking burst answers 503 DATABASE_BUSY (own PostgreSQL)
	$(BIN)/python bench/drill_pool.py $(DRILL_PORTS) $(DRILL_ARGS)

drill-statement-timeout: $(VENV)/.installed ## fault drill: statements held past a 1 s statement timeout by a table lock answer 504 DATABASE_TIMEOUT, the pool stays whole
	$(BIN)/python bench/drill_statement_timeout.py $(DRILL_PORTS) $(DRILL_ARGS)

drill-worker-kill: $(VENV)/.installed ## fault drill: the job worker SIGKILLed mid-batch; after its restart every e-mail arrives once
	$(BIN)/python bench/drill_worker_kill.py $(DRILL_PORTS) $(DRILL_ARGS)

drills: $(VENV)/.installed ## every fault drill, one after the other, exit 1 if any fails (about 16 min; DRILL_ARGS=--quick 9 to 14)
	$(BIN)/python bench/drills.py $(DRILL_PORTS) --redis-port $(DRILL_REDIS_PORT) $(DRILL_ARGS)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.PHONY: browser
browser: ## install Debian's Chromium for the browser tests (tests/web) when it is missing
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	else $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; fi

.PHONY: screenshots
screenshots: $(VENV)/.installed browser ## PNGs of the key pages (desktop and 360 px) in docs/screenshots/
	$(BIN)/python -m tests.web.screenshots

SCALE_ARGS ?=
.PHONY: scale-out
scale-out: $(VENV)/.installed ## 3 app processes behind PgBouncer (session, transaction) + one Redis + a streaming replica: shared state checks, pool sums, req/s (SCALE_ARGS="--workers 3 --duration 8")
	@[ -x /usr/sbin/pgbouncer ] || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq pgbouncer)
	$(BIN)/python bench/scale_out.py $(SCALE_ARGS)

.PHONY: bench-pages
bench-pages: $(VENV)/.installed ## each page's server time and SQL statements vs its API routes, into docs/benchmarks.md (BENCH_DATABASE_URL)
	$(BIN)/python bench/page_vs_api.py $(BENCH_ARGS)
