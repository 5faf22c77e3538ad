"""Planning memory grows linearly with the number of files, with a small constant.

Measured with tracemalloc on the in-memory filesystem (the filesystem's own data is
allocated before tracing starts, so only what dot builds is counted): the peak of a
dry-run `manage` (scan, plan, resolve, sort) for growing package sets. The cost per
file must stay the same as the tree grows (no quadratic structure) and small enough
that 100 packages x 1000 files plan in under 100 MB.
"""

from __future__ import annotations

import tracemalloc

from dot.fs.memory import MemoryFileSystem
from helpers import add_package, memory_world, service

PACKAGES = 10
BUDGET_100K_FILES = 100 * 1000 * 1000  # bytes: the target for 100 packages x 1000 files


def world(files_per_package: int) -> MemoryFileSystem:
    fs = memory_world()
    for p in range(PACKAGES):
        files = {
            f"dot-config/app{p}/sub{i % 10}/file{i}.conf": "x" for i in range(files_per_package)
        }
        add_package(fs, f"pkg{p}", {**files, f"dot-app{p}rc": "set x"})
    return fs


def planning_peak(files_per_package: int) -> int:
    """Peak bytes dot allocates planning a --no-folding manage of the whole world."""
    fs = world(files_per_package)
    dot = service(fs, dry_run=True, folding=False)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = dot.manage([f"pkg{p}" for p in range(PACKAGES)])
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert result.summary.counts["link"] == PACKAGES * (files_per_package + 1)
    return peak


def test_planning_memory_is_linear_in_files_with_a_small_constant() -> None:
    planning_peak(20)  # first use: lazy imports and caches are not per-file costs
    sizes = (100, 200, 400)
    peaks = [planning_peak(n) for n in sizes]
    files = [PACKAGES * n for n in sizes]
    slopes = [(peaks[i + 1] - peaks[i]) / (files[i + 1] - files[i]) for i in range(2)]
    # Linear: doubling the tree again costs the same per added file (a quadratic
    # structure would double the slope), within the jitter of dict resizing.
    assert 0.6 < slopes[1] / slopes[0] < 1.6, (peaks, slopes)
    per_file = max(slopes)
    assert per_file * 100_000 < BUDGET_100K_FILES, f"{per_file:.0f} bytes per file"
