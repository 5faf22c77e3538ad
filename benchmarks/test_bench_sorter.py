"""Sorter: dependency order and grouping into levels of independent operations."""

from __future__ import annotations

from typing import Any

import pytest

from bench_support import (
    BACKUP_RUN,
    MEM_DIR,
    NO_FOLDING,
    Worlds,
    draft,
    index,
    manage_all,
    static_target,
)
from dot.model import Operation, Policy
from dot.pipeline.resolver import resolve
from dot.pipeline.sorter import order
from dot.pipeline.target import StaticTarget


def _fresh_ops(worlds: Worlds, kind: str) -> tuple[Operation, ...]:
    fs = worlds.memory(kind, target=False)
    names = worlds.names(kind)
    planned = draft(
        manage_all(names), index(fs, MEM_DIR, names), StaticTarget({}), options=NO_FOLDING
    )
    return resolve(planned, Policy.FAIL, BACKUP_RUN).operations


@pytest.fixture(scope="module")
def workloads(worlds: Worlds) -> dict[str, tuple[Operation, ...]]:
    fs = worlds.memory("symlinks")
    names = worlds.names("symlinks")
    conflicted = draft(manage_all(names), index(fs, MEM_DIR, names), static_target(fs))
    return {
        # Many independent links under a few hundred directories: the topological sort.
        "large-manage": _fresh_ops(worlds, "large"),
        # Directory chains 20-30 deep: as many levels, each mkdir waiting for its parent.
        "deep-manage": _fresh_ops(worlds, "deep"),
        # Backups that must free each path before its link fills it.
        "symlinks-backup": resolve(conflicted, Policy.BACKUP, BACKUP_RUN).operations,
    }


@pytest.mark.benchmark(group="sorter")
@pytest.mark.parametrize("workload", ["large-manage", "deep-manage", "symlinks-backup"])
def test_order(benchmark: Any, workloads: dict[str, tuple[Operation, ...]], workload: str) -> None:
    ops = workloads[workload]
    levels = benchmark(order, ops)
    assert levels.count == len(ops)
    if workload == "deep-manage":
        assert len(levels.levels) >= 20
