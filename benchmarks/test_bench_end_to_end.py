"""End to end: `Dot` over the real filesystem (tmpfs when there is one).

Each manage round gets a fresh, empty target made outside the timed part; the
package directory is shared. Manifest, lock and journal are all included.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from bench_support import Worlds, count_links, service
from dot.fs.local import LocalFileSystem
from dot.model import Link
from dot.results import RunResult
from dot.service import Dot


class Targets:
    """Fresh targets for one benchmark; the previous round's is removed untimed."""

    def __init__(self, worlds: Worlds, kind: str, **settings: Any) -> None:
        self.worlds = worlds
        self.kind = kind
        self.directory = os.path.realpath(f"{worlds.on_disk(kind)}/dotfiles")
        self.settings = settings
        self.current = ""

    def fresh(self) -> Dot:
        if self.current:
            shutil.rmtree(self.current)
        self.current = self.worlds.fresh_dir(self.kind)
        return service(LocalFileSystem(), self.directory, self.current, **self.settings)


MANAGE = [
    pytest.param("small", {}, 30, id="small"),
    pytest.param("large", {}, 3, id="large"),
    pytest.param("large", {"folding": False}, 3, id="large-no-folding"),
    pytest.param("shared", {}, 15, id="shared"),
]


@pytest.mark.benchmark(group="end-to-end")
@pytest.mark.parametrize(("kind", "settings", "rounds"), MANAGE)
def test_manage(
    benchmark: Any, worlds: Worlds, kind: str, settings: dict[str, Any], rounds: int
) -> None:
    targets = Targets(worlds, kind, **settings)
    names = worlds.names(kind)

    def setup() -> tuple[tuple[Dot], dict[str, Any]]:
        return (targets.fresh(),), {}

    def manage(dot: Dot) -> RunResult:
        return dot.manage(names)

    result = benchmark.pedantic(manage, setup=setup, rounds=rounds)
    links = sum(isinstance(op, Link) for op in result.plan.operations)
    assert links > 0 and count_links(targets.current) == links


@pytest.fixture(scope="module")
def installed_large(worlds: Worlds) -> Targets:
    """The large fixture managed (with folding) into a target kept for the module."""
    targets = Targets(worlds, "large")
    targets.fresh().manage(worlds.names("large"))
    return targets


@pytest.mark.benchmark(group="end-to-end")
@pytest.mark.parametrize("stamps", [True, False], ids=["stamps", "full-check"])
def test_remanage_unchanged_large(
    benchmark: Any, worlds: Worlds, installed_large: Targets, stamps: bool
) -> None:
    """A new Dot each round, as each `dot` command is a new process (nothing cached).

    `stamps`: answered from the directory stamps (the default); `full-check`: the
    stamps file set aside, so every package takes the full check (manifest, scan,
    fingerprints, links): what the stamps save.
    """
    names = worlds.names("large")
    directory, target = installed_large.directory, installed_large.current
    path = f"{target}/.dot-manifest.json.stamps"
    if not stamps:
        os.rename(path, f"{path}.aside")

    def remanage() -> RunResult:
        return service(LocalFileSystem(), directory, target).remanage(names)

    try:
        result = benchmark(remanage)
    finally:
        if not stamps:
            os.rename(f"{path}.aside", path)
    assert result.plan.is_empty and set(result.up_to_date) == set(names)
    assert not result.manifest_written
    assert any(c.name == "directory stamps" for c in result.caches) is stamps


@pytest.mark.benchmark(group="end-to-end")
def test_unmanage_large(benchmark: Any, worlds: Worlds) -> None:
    targets = Targets(worlds, "large")
    names = worlds.names("large")

    def setup() -> tuple[tuple[Dot], dict[str, Any]]:
        dot = targets.fresh()
        dot.manage(names)
        return (dot,), {}

    def unmanage(dot: Dot) -> RunResult:
        return dot.unmanage(names)

    result = benchmark.pedantic(unmanage, setup=setup, rounds=3)
    assert result.plan.operations and count_links(targets.current) == 0
    assert os.listdir(targets.current) == []
