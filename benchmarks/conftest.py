"""Benchmark fixtures: generated worlds built once per session, on tmpfs when there is one.

Scale: with --benchmark-disable (every body runs once, as a plain test; CI uses it
to keep the suite from rotting) the fixtures shrink to SMOKE_SCALE of their size so
the whole suite takes seconds. `--bench-scale X` or DOT_BENCH_SCALE=X overrides
both (e.g. DOT_BENCH_SCALE=1 with --benchmark-disable: one full-size pass).
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_memory import MemoryTracker
from bench_support import Worlds

SMOKE_SCALE = 0.05


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dot benchmarks")
    group.addoption(
        "--bench-scale",
        type=float,
        default=None,
        help=f"multiply fixture sizes (default 1, or {SMOKE_SCALE} with --benchmark-disable; "
        "env DOT_BENCH_SCALE)",
    )
    group.addoption(
        "--bench-memory",
        action="store_true",
        help="trace each benchmark body with tracemalloc (use with --benchmark-disable)",
    )
    group.addoption(
        "--bench-memory-report",
        default=".benchmarks/memory.txt",
        help="where --bench-memory writes its per-benchmark report",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("bench_memory", False):
        report = config.getoption("bench_memory_report")
        config.pluginmanager.register(MemoryTracker(report), "dot-bench-memory")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Keep what the fixtures built out of the garbage collector's sight while timing.

    A full collection walks every live object, so without this a benchmark would be
    slower the more the session happens to hold (fixtures of other modules); a `dot`
    process holds only its own objects.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _disabled(config: pytest.Config) -> bool:
    return bool(
        config.getoption("benchmark_disable", False)
        and not config.getoption("benchmark_enable", False)
    )


@pytest.fixture(scope="session")
def bench_scale(request: pytest.FixtureRequest) -> float:
    """How big the generated fixtures are, relative to their documented size."""
    config = request.config
    explicit = config.getoption("bench_scale")
    if explicit is not None:
        return float(explicit)
    if os.environ.get("DOT_BENCH_SCALE"):
        return float(os.environ["DOT_BENCH_SCALE"])
    if config.getoption("bench_memory"):
        return 1.0
    return SMOKE_SCALE if _disabled(config) else 1.0


@pytest.fixture(scope="session")
def bench_root(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The session's scratch directory: --basetemp if given, else tmpfs, else pytest's."""
    if request.config.option.basetemp is None and os.access("/dev/shm", os.W_OK):
        path = tempfile.mkdtemp(prefix="dot-bench-", dir="/dev/shm")
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
    else:
        yield str(tmp_path_factory.mktemp("bench"))


@pytest.fixture(scope="session")
def worlds(bench_root: str, bench_scale: float) -> Worlds:
    """Every fixture type, generated on first use and kept for the session."""
    return Worlds(bench_root, bench_scale)


@pytest.fixture(scope="session")
def smoke(bench_scale: float) -> bool:
    """True when fixtures are scaled down (fewer rounds of the slow benchmarks then)."""
    return bench_scale < 0.5
