"""Resolver: applying a conflict policy to a draft (pure)."""

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
from dot.model import Backup, Delete, Draft, Policy
from dot.pipeline.resolver import resolve
from dot.pipeline.target import StaticTarget


@pytest.fixture(scope="module")
def clean_draft(worlds: Worlds) -> Draft:
    """Fresh manage of the large fixture without folding: one link per file, no conflict."""
    fs = worlds.memory("large")
    names = worlds.names("large")
    return draft(manage_all(names), index(fs, MEM_DIR, names), StaticTarget({}), options=NO_FOLDING)


@pytest.fixture(scope="module")
def conflicted_draft(worlds: Worlds) -> Draft:
    """Manage of every package of the `symlinks` fixture into its lived-in home."""
    fs = worlds.memory("symlinks")
    names = worlds.names("symlinks")
    result = draft(manage_all(names), index(fs, MEM_DIR, names), static_target(fs))
    assert result.conflicts and result.claims
    return result


@pytest.mark.benchmark(group="resolver")
def test_resolve_no_conflicts(benchmark: Any, clean_draft: Draft) -> None:
    plan = benchmark(resolve, clean_draft, Policy.FAIL, BACKUP_RUN)
    assert len(plan.operations) == len(clean_draft.operations)


@pytest.mark.benchmark(group="resolver")
@pytest.mark.parametrize("policy", [Policy.SKIP, Policy.BACKUP, Policy.OVERWRITE])
def test_resolve_conflicts(benchmark: Any, conflicted_draft: Draft, policy: Policy) -> None:
    plan = benchmark(resolve, conflicted_draft, policy, BACKUP_RUN)
    conflicts = len(conflicted_draft.conflicts)
    if policy is Policy.SKIP:
        assert len(plan.skipped) == conflicts
    else:
        remedy = Backup if policy is Policy.BACKUP else Delete
        assert sum(isinstance(op, remedy) for op in plan.operations) == conflicts
