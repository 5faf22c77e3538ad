"""Executor: applying levels, sequentially and on a thread pool.

On the in-memory FS every operation takes the adapter's one lock, so threads can
only add overhead; LatencyFileSystem adds a 2 ms sleep per write (as on a network
filesystem), which a pool of 8 overlaps. `auto` is `--jobs` unset: the executor
probes the first operations and picks threads only when they are slow.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench_support import (
    BACKUP_RUN,
    MEM_DIR,
    MEM_HOME,
    MEM_LAYOUT,
    NO_FOLDING,
    Worlds,
    draft,
    empty_world,
    index,
    manage_all,
)
from dot.fs.latency import LatencyFileSystem
from dot.fs.port import FileSystem
from dot.model import Levels, Link, Policy
from dot.pipeline.executor import Executor
from dot.pipeline.resolver import resolve
from dot.pipeline.sorter import order
from dot.pipeline.target import StaticTarget

JOBS = [1, 8, None]
JOB_IDS = ["1-worker", "8-workers", "auto"]
DELAY = 0.002


def _levels(worlds: Worlds, kind: str, names: list[str]) -> Levels:
    fs = worlds.memory(kind, target=False)
    planned = draft(
        manage_all(names), index(fs, MEM_DIR, names), StaticTarget({}), options=NO_FOLDING
    )
    return order(resolve(planned, Policy.FAIL, BACKUP_RUN).operations)


@pytest.fixture(scope="module")
def large_levels(worlds: Worlds) -> Levels:
    """Fresh manage of the large fixture without folding (about one link per file)."""
    return _levels(worlds, "large", worlds.names("large"))


@pytest.fixture(scope="module")
def latency_levels(worlds: Worlds, smoke: bool) -> Levels:
    """Enough xlarge packages for a few hundred operations (a second or so at 2 ms)."""
    wanted = 96 if smoke else 400
    names: list[str] = []
    spec = worlds.spec("xlarge")
    for name in spec.names:
        names.append(name)
        if sum(len(spec.linkable(n)) for n in names) >= wanted:
            break
    return _levels(worlds, "xlarge", names)


def _run(fs: FileSystem, levels: Levels, jobs: int | None) -> int:
    tx = Executor(fs, MEM_LAYOUT, jobs=jobs, trash=f"{MEM_HOME}/.dot-trash/bench").run(levels)
    tx.commit()
    return tx.stats.workers


def _links(levels: Levels) -> int:
    return sum(isinstance(op, Link) for op in levels.flat())


@pytest.mark.benchmark(group="executor-memory")
@pytest.mark.parametrize("jobs", JOBS, ids=JOB_IDS)
def test_execute_memory(
    benchmark: Any, large_levels: Levels, jobs: int | None, smoke: bool
) -> None:
    last: list[Any] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        fs = empty_world()
        last[:] = [fs]
        return (fs, large_levels, jobs), {}

    benchmark.pedantic(_run, setup=setup, rounds=3 if smoke else 5)
    snapshot = last[0].snapshot(MEM_HOME)
    assert sum(kind == "link" for kind, _, _ in snapshot.values()) == _links(large_levels)


@pytest.mark.benchmark(group="executor-latency")
@pytest.mark.parametrize("jobs", JOBS, ids=JOB_IDS)
def test_execute_latency(
    benchmark: Any, latency_levels: Levels, jobs: int | None, smoke: bool
) -> None:
    last: list[LatencyFileSystem] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        fs = LatencyFileSystem(empty_world(), delay=DELAY)
        last[:] = [fs]
        return (fs, latency_levels, jobs), {}

    workers = benchmark.pedantic(_run, setup=setup, rounds=2 if smoke else 3)
    assert last[0].writes == latency_levels.count
    assert workers == (1 if jobs == 1 else 8)
