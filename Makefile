# Two commands do everything on a fresh machine with python3 and make:
#   make run   - set up .venv, manage the example dotfiles into a throwaway target
#   make test  - set up .venv if needed, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Temporary trees go to tmpfs when there is one: real-disk link creation is slow.
BASETEMP := $(shell if [ -d /dev/shm ] && [ -w /dev/shm ]; then echo /dev/shm/dot-pytest-$$(id -u); else echo .pytest-tmp; fi)
RUN_DIR := .run
PYTEST_ARGS ?=

.PHONY: run test fuzz lint typecheck check clean venv dist profile profile-analyze

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@rm -rf $(RUN_DIR) && mkdir -p $(RUN_DIR)/home
	@echo "== dot manage (example dotfiles -> $(RUN_DIR)/home)"
	$(BIN)/dot --dir examples/dotfiles --target $(RUN_DIR)/home manage git nvim ssh vim zsh
	@echo "== the resulting tree"
	@cd $(RUN_DIR)/home && find . -mindepth 1 -not -name '.dot-manifest.json*' | sort | \
		while read -r p; do if [ -L "$$p" ]; then echo "$$p -> $$(readlink "$$p")"; else echo "$$p"; fi; done
	@echo "== dot status"
	$(BIN)/dot --dir examples/dotfiles --target $(RUN_DIR)/home status

# The whole suite, then every benchmark once as a plain test (fast, so they never rot).
test: $(STAMP)
	$(BIN)/python -m pytest --basetemp=$(BASETEMP) $(PYTEST_ARGS)
	$(BIN)/python -m pytest benchmarks --benchmark-disable -q --basetemp=$(BASETEMP)-bench

# The property and fuzz suites with ten times the examples, new ones on every run
# (`make test` under .ci/run replays fixed ones). FUZZ_SCALE=N for more.
FUZZ_SCALE ?= 10
fuzz: $(STAMP)
	DOT_PROPERTY_SCALE=$(FUZZ_SCALE) $(BIN)/python -m pytest tests/property --basetemp=$(BASETEMP)-fuzz -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks fixtures scripts
	$(BIN)/ruff format --check src tests benchmarks fixtures scripts

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

check: lint typecheck test

# A wheel, and dist/dot.pyz: a zipapp with its dependencies inside that runs with any
# python3 >= 3.11 (the "single binary" to copy to a new machine).
dist: $(STAMP)
	rm -rf dist build/pyz
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	$(BIN)/python -m pip install --quiet --no-compile --target build/pyz .
	rm -rf build/pyz/bin
	# zipimport reads legacy .pyc files next to the sources (other Pythons use the .py)
	$(BIN)/python -m compileall -q -b build/pyz
	$(BIN)/python -m zipapp build/pyz --main dot.cli.app:console \
		--python "/usr/bin/env python3" --compress --output dist/dot.pyz
	@ls -l dist

# CPU, memory and thread profiles of `dot manage` on the large fixture, plus a profiled
# benchmark run, into profiles/<UTC timestamp>/; profile-analyze summarises the newest.
profile: $(STAMP)
	PYTHON=$(BIN)/python scripts/profile.sh

profile-analyze: $(STAMP)
	@newest=$$(ls -1td profiles/*/ 2>/dev/null | head -n 1); \
	if [ -z "$$newest" ]; then echo "no profiles/ yet: run 'make profile' first" >&2; exit 1; fi; \
	$(BIN)/python scripts/analyze_profiles.py "$$newest"

clean:
	rm -rf $(VENV) $(RUN_DIR) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# --- benchmarks (benchmarks/, pytest-benchmark; see benchmarks/README.md) ----------
# Runs are saved as JSON in .benchmarks/<machine>/NNNN_*.json. A baseline is simply a
# saved run: `make benchmark` on the code to compare against, then, after changing
# it, `make benchmark-compare` (latest saved run) or `BENCH_BASELINE=0003 make
# benchmark-compare`. The compare run fails when a benchmark is more than
# BENCH_THRESHOLD slower than in the baseline. The minimum is compared, not the
# median: load only ever adds time. Compare on a quiet machine: where other
# processes compete for the CPU, even minimums of identical code jump (up to 2x).
BENCH_BASETEMP := $(BASETEMP)-bench
BENCH := $(BIN)/python -m pytest benchmarks --basetemp=$(BENCH_BASETEMP)
BENCH_ARGS ?=
BENCH_THRESHOLD ?= min:25%
BENCH_BASELINE ?=

.PHONY: benchmark benchmark-compare benchmark-cpu benchmark-mem benchmark-smoke

benchmark: $(STAMP)
	$(BENCH) --benchmark-autosave $(BENCH_ARGS)

benchmark-compare: $(STAMP)
	$(BENCH) --benchmark-compare$(if $(BENCH_BASELINE),=$(BENCH_BASELINE)) \
		--benchmark-compare-fail=$(BENCH_THRESHOLD) $(BENCH_ARGS)

# cProfile of one extra call per benchmark: top functions by own time in the table,
# full dumps in .benchmarks/cprofile/ (python -m pstats FILE, or snakeviz).
benchmark-cpu: $(STAMP)
	$(BENCH) --benchmark-cprofile=tottime --benchmark-cprofile-top=15 \
		--benchmark-cprofile-dump=.benchmarks/cprofile/bench $(BENCH_ARGS)

# tracemalloc: each body once at full size; peak and held memory per benchmark,
# top allocating lines in .benchmarks/memory.txt.
benchmark-mem: $(STAMP)
	$(BENCH) --benchmark-disable --bench-memory --bench-scale=1 $(BENCH_ARGS)

# Every benchmark once on scaled-down fixtures, as a plain test (CI runs this).
benchmark-smoke: $(STAMP)
	$(BENCH) --benchmark-disable -q $(BENCH_ARGS)
