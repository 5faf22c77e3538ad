#!/usr/bin/env bash
# Profile `dot manage` on the large fixture, plus a profiled benchmark run.
#
#   scripts/profile.sh [NAME]        (make profile; NAME defaults to a UTC timestamp)
#
# Writes profiles/NAME/:
#   manage-dry-run.* and manage.*   one run per profiler, so no profiler skews another:
#     .prof         cProfile statistics (python -m pstats FILE, snakeviz FILE)
#     .mem, .mem.txt  tracemalloc snapshot and its top 20 allocation sites
#     .threads.txt  the stack of every thread at the end of the run
#     .html         pyinstrument report (when pyinstrument is installed)
#     .out          what the command printed
#   bench-*.prof    cProfile dumps of the benchmarks (pytest-benchmark)
#   bench.json      the benchmark results, bench.out what pytest printed
#   meta.txt        commit, Python, fixture
# Then: scripts/analyze_profiles.py profiles/NAME   (make profile-analyze)
#
# Environment: PYTHON (default .venv/bin/python, else python3), SEED (fixture seed,
# default 1), SCALE (fixture scale, default 1), PROFILE_BENCH (what pytest runs, default
# benchmarks/test_bench_end_to_end.py; empty skips the benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "profile.sh: error: $*" >&2; exit 1; }

if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
SEED=${SEED:-1}
SCALE=${SCALE:-1}
PROFILE_BENCH=${PROFILE_BENCH-benchmarks/test_bench_end_to_end.py}
NAME=${1:-$(date -u +%Y%m%dT%H%M%SZ)}
case "$NAME" in */* | . | .. | "") die "NAME must be a plain directory name, not '$NAME'" ;; esac
GENERATOR=fixtures/generate.py

[ -f "$GENERATOR" ] || die "$GENERATOR is missing: it builds the large fixture this script profiles"
"$PYTHON" -c 'import dot' 2>/dev/null || die "$PYTHON cannot import dot (run 'make venv' first)"

OUT=profiles/$NAME
[ -e "$OUT" ] && die "$OUT exists already; choose another NAME"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# The fixture goes to tmpfs when there is one: real-disk link creation is slow.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then BASE=/dev/shm; else BASE=${TMPDIR:-/tmp}; fi
WORK=$(mktemp -d "$BASE/dot-profile.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "== fixture: large, seed $SEED, scale $SCALE -> $WORK"
"$PYTHON" "$GENERATOR" --type large --seed "$SEED" --scale "$SCALE" --out "$WORK" \
  || die "$GENERATOR failed"
DIR=$WORK/dotfiles
HOME_DIR=$WORK/home
mapfile -t PACKAGES < <(cd "$DIR" && find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
[ "${#PACKAGES[@]}" -gt 0 ] || die "the fixture in $DIR holds no package"

HAS_HTML=0
if "$PYTHON" -c 'import pyinstrument' 2>/dev/null; then HAS_HTML=1; fi

{
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "python: $("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
  echo "fixture: large, seed $SEED, scale $SCALE, ${#PACKAGES[@]} packages"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$OUT/meta.txt"

# run SCENARIO STEM PROFILE-OPTIONS...: one profiled run on a fresh (empty) target.
run() {
  local scenario=$1 stem=$2
  shift 2
  local flags=()
  [ "$scenario" = manage-dry-run ] && flags=(--dry-run)
  rm -rf "$HOME_DIR" && mkdir -p "$HOME_DIR"
  echo "== dot manage ${flags[*]:+${flags[*]} }$* (${#PACKAGES[@]} packages)"
  "$PYTHON" -m dot manage "${flags[@]}" -d "$DIR" -t "$HOME_DIR" "$@" "${PACKAGES[@]}" \
    > "$OUT/$stem.out" 2>&1 || die "dot manage failed (see $OUT/$stem.out)"
  tail -n 1 "$OUT/$stem.out"
}

for scenario in manage-dry-run manage; do
  run "$scenario" "$scenario.cpu" --cpuprofile "$OUT/$scenario.prof"
  run "$scenario" "$scenario.mem" --memprofile "$OUT/$scenario.mem"
  run "$scenario" "$scenario.threads" --threadprofile "$OUT/$scenario.threads.txt"
  if [ "$HAS_HTML" = 1 ]; then
    run "$scenario" "$scenario.html" --profile-html "$OUT/$scenario.html"
  fi
done
[ "$HAS_HTML" = 1 ] || echo "== no HTML reports: pyinstrument is not installed (pip install 'dot[profile]')"

if [ -n "$PROFILE_BENCH" ]; then
  if [ -d benchmarks ]; then
    echo "== benchmarks with cProfile: $PROFILE_BENCH"
    # shellcheck disable=SC2086  # PROFILE_BENCH is a list of pytest arguments
    "$PYTHON" -m pytest $PROFILE_BENCH -q -p no:cacheprovider --basetemp="$WORK/bench" \
      --benchmark-cprofile=tottime --benchmark-cprofile-dump="$OUT/bench" \
      --benchmark-json="$OUT/bench.json" > "$OUT/bench.out" 2>&1 \
      || die "the benchmark run failed (see $OUT/bench.out)"
    tail -n 1 "$OUT/bench.out"
  else
    echo "== no benchmarks/ directory: benchmark profiles skipped"
  fi
fi

echo "== profiles in $OUT"
echo "   analyse them with: $PYTHON scripts/analyze_profiles.py $OUT"
