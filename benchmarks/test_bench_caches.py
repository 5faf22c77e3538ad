"""Caches: does each one pay? The planner's target view against no cache at all, and
against a stat cache (dot.fs.cached) under it.

Planning `remanage` of every package of the large fixture, installed with folding, on
the real filesystem (tmpfs): the planner asks about the same target paths many times
(each link's parent, every entry of a directory it unfolds or tidies). Three readers:

* `observed`: dot's ObservedTarget (one scandir per directory, answers cached) - the default;
* `uncached`: an lstat (and readlink) per question, a scandir per listing;
* `observed+stat-cache`: ObservedTarget over CachedFileSystem (a second cache below).

The package trees are scanned beforehand; only planning against the target is timed.
The content-hash cache is measured in test_bench_manifest.py (`hash_package_files`
against `unchanged_check`), the ignore-pattern cache in test_bench_ignore.py (cold
against warm compiles).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from bench_support import PROTECTED, Worlds, index, service
from dot import manifest as manifest_io
from dot.fs.cached import CachedFileSystem
from dot.fs.local import LocalFileSystem
from dot.fs.port import FileSystem, kind_of_entry, kind_of_mode
from dot.manifest import Manifest
from dot.model import Draft, Kind
from dot.paths import Layout
from dot.pipeline.planner import Action, Options, plan
from dot.pipeline.scanner import PackageIndex
from dot.pipeline.target import MISSING, Node, ObservedTarget, TargetReader
from dot.service import BACKUP_DIR_NAME


class UncachedTarget:
    """A TargetReader that asks the filesystem every time."""

    def __init__(self, fs: FileSystem, root: str) -> None:
        self.fs = fs
        self.root = root

    def _abs(self, path: str) -> str:
        return f"{self.root}/{path}" if path else self.root

    def node(self, path: str) -> Node:
        try:
            kind = kind_of_mode(self.fs.lstat(self._abs(path)).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            return MISSING
        return Node(kind, self.fs.readlink(self._abs(path))) if kind is Kind.LINK else Node(kind)

    def children(self, path: str) -> Mapping[str, Kind]:
        try:
            return {e.name: kind_of_entry(e) for e in self.fs.scandir(self._abs(path))}
        except (FileNotFoundError, NotADirectoryError):
            return {}


@dataclass
class Installed:
    layout: Layout
    names: list[str]
    sources: PackageIndex
    manifest: Manifest


@pytest.fixture(scope="module")
def installed(worlds: Worlds) -> Installed:
    root = os.path.realpath(worlds.on_disk("large"))
    directory, target = f"{root}/dotfiles", worlds.fresh_dir("caches")
    names = worlds.names("large")
    fs = LocalFileSystem()
    service(fs, directory, target).manage(names)
    layout = Layout(directory, target)
    manifest = manifest_io.load(fs, f"{target}/{manifest_io.DEFAULT_NAME}", directory, target)
    return Installed(layout, names, index(fs, directory, names), manifest)


READERS: dict[str, Callable[[str], TargetReader]] = {
    "observed": lambda root: ObservedTarget(LocalFileSystem(), root),
    "uncached": lambda root: UncachedTarget(LocalFileSystem(), root),
    "observed+stat-cache": lambda root: ObservedTarget(CachedFileSystem(LocalFileSystem()), root),
}


def _plan(world: Installed, reader: TargetReader) -> Draft:
    return plan(
        [(Action.REMANAGE, name) for name in world.names],
        layout=world.layout,
        options=Options(),
        manifest=world.manifest,
        sources=world.sources,
        target=reader,
        protected=PROTECTED,
        backup_root=world.layout.abs(BACKUP_DIR_NAME),
    )


@pytest.mark.benchmark(group="caches: target view")
@pytest.mark.parametrize("reader", list(READERS))
def test_plan_remanage_against_the_target(
    benchmark: Any, installed: Installed, reader: str
) -> None:
    make = READERS[reader]

    def run() -> Draft:
        return _plan(installed, make(installed.layout.target))  # a fresh cache each round

    result = benchmark(run)
    assert not result.operations and not result.conflicts  # installed: nothing to do
    assert len(result.claims) == sum(len(r.links) for r in installed.manifest.packages.values())
