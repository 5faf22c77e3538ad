"""Planner: desired state and difference, on literal data (no I/O while timed).

Package trees are scanned beforehand and the target is a StaticTarget snapshot, so
only the planner's own work is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bench_support import (
    FOLDING,
    MEM_DIR,
    MEM_HOME,
    NO_FOLDING,
    Worlds,
    draft,
    index,
    manage_all,
    memory_manifest,
    service,
    static_target,
)
from dot.manifest import Manifest
from dot.model import Draft, Kind, Link, Mkdir, Unlink
from dot.pipeline.planner import Action
from dot.pipeline.scanner import PackageIndex
from dot.pipeline.target import StaticTarget


@dataclass
class Scenario:
    names: list[str]
    sources: PackageIndex
    target: StaticTarget
    manifest: Manifest


@pytest.fixture(scope="module")
def fresh(worlds: Worlds) -> Scenario:
    """The large fixture, nothing installed."""
    fs = worlds.memory("large")
    names = worlds.names("large")
    return Scenario(names, index(fs, MEM_DIR, names), StaticTarget({}), Manifest(MEM_DIR, MEM_HOME))


@pytest.fixture(scope="module")
def partial(worlds: Worlds) -> Scenario:
    """The large fixture with every other package installed (by dot, with folding)."""
    fs = worlds.memory("large")
    names = worlds.names("large")
    service(fs, MEM_DIR, MEM_HOME).manage(names[::2])
    return Scenario(names, index(fs, MEM_DIR, names), static_target(fs), memory_manifest(fs))


@pytest.fixture(scope="module")
def edited(worlds: Worlds) -> Scenario:
    """All of large installed, then three packages edited.

    Each gains a top-level file and loses one file; a folded directory of each gains
    a `dot-` name, so it must unfold.
    """
    fs = worlds.memory("large")
    names = worlds.names("large")
    service(fs, MEM_DIR, MEM_HOME).manage(names)
    manifest = memory_manifest(fs)
    for name in names[:3]:
        record = manifest.packages[name]
        fs.write(f"{MEM_DIR}/{name}/dot-{name}-added", "new\n")
        files = sorted(p for p, link in record.links.items() if link.kind is Kind.FILE)
        folded = sorted(link.source for link in record.links.values() if link.kind is Kind.DIR)
        if files:
            fs.unlink(f"{MEM_DIR}/{name}/{record.links[files[len(files) // 2]].source}")
        if folded:
            fs.write(f"{MEM_DIR}/{name}/{folded[0]}/dot-added-marker", "unfold me\n")
    return Scenario(names, index(fs, MEM_DIR, names), static_target(fs), manifest)


def _ops(result: Draft, kind: type) -> int:
    return sum(isinstance(op, kind) for op in result.operations)


@pytest.mark.benchmark(group="planner")
@pytest.mark.parametrize("folding", [True, False], ids=["folding", "no-folding"])
def test_plan_fresh_manage(benchmark: Any, fresh: Scenario, folding: bool) -> None:
    options = FOLDING if folding else NO_FOLDING
    actions = manage_all(fresh.names)
    result = benchmark(draft, actions, fresh.sources, fresh.target, options=options)
    assert not result.conflicts and _ops(result, Link) > 0


@pytest.mark.benchmark(group="planner")
def test_plan_partly_installed(benchmark: Any, partial: Scenario) -> None:
    """Manage every package when half are installed: claims for those, links for the rest."""
    actions = manage_all(partial.names)
    result = benchmark(draft, actions, partial.sources, partial.target, manifest=partial.manifest)
    assert not result.conflicts and result.claims and _ops(result, Link) > 0


@pytest.mark.benchmark(group="planner")
def test_plan_remanage_incremental(benchmark: Any, edited: Scenario) -> None:
    """Remanage everything after small edits: the difference must stay small."""
    actions = [(Action.REMANAGE, name) for name in edited.names]
    result = benchmark(draft, actions, edited.sources, edited.target, manifest=edited.manifest)
    assert not result.conflicts
    assert _ops(result, Link) >= 3 and _ops(result, Unlink) >= 1 and _ops(result, Mkdir) >= 1
    assert len(result.operations) < len(result.claims)
