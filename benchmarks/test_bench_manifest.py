"""Manifest: content hashing of package files, JSON serialisation and parsing."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Any

import pytest

from bench_support import MEM_DIR, MEM_HOME, Worlds, index, memory_manifest, service
from dot import manifest as manifest_io
from dot.fingerprints import Hasher
from dot.fs.local import LocalFileSystem
from dot.manifest import FileRecord, Manifest, PackageRecord
from dot.paths import Layout
from dot.pipeline.scanner import PackageIndex


@dataclass
class OnDisk:
    fs: LocalFileSystem
    layout: Layout
    names: list[str]
    packages: PackageIndex


@pytest.fixture(scope="module")
def large_on_disk(worlds: Worlds) -> OnDisk:
    root = os.path.realpath(worlds.on_disk("large"))
    fs = LocalFileSystem()
    names = worlds.names("large")
    layout = Layout(f"{root}/dotfiles", f"{root}/home")
    return OnDisk(fs, layout, names, index(fs, layout.dir, names))


@pytest.fixture(scope="module")
def big_manifest(worlds: Worlds) -> Manifest:
    """The manifest of the large fixture installed without folding: a record per link."""
    fs = worlds.memory("large")
    service(fs, MEM_DIR, MEM_HOME, folding=False).manage(worlds.names("large"))
    return memory_manifest(fs)


def _hash_all(disk: OnDisk) -> dict[str, dict[str, FileRecord]]:
    hasher = Hasher(disk.fs, disk.layout)  # a new one: nothing memoised from a previous round
    return {
        name: hasher.records(name, disk.packages.tree(name), None)  # type: ignore[arg-type]
        for name in disk.names
    }


@pytest.mark.benchmark(group="manifest")
def test_hash_package_files(benchmark: Any, large_on_disk: OnDisk) -> None:
    """Fingerprints with a SHA-256 of every file (a first install reads everything)."""
    records = benchmark(_hash_all, large_on_disk)
    assert all(
        r.sha256 for files in records.values() for r in files.values() if stat.S_ISREG(r.mode)
    )


@pytest.mark.benchmark(group="manifest")
def test_unchanged_check(benchmark: Any, large_on_disk: OnDisk) -> None:
    """remanage's fast path: stat fingerprints equal, so nothing is hashed."""
    disk = large_on_disk
    records = {
        name: PackageRecord(name=name, files=files) for name, files in _hash_all(disk).items()
    }

    def run() -> bool:
        hasher = Hasher(disk.fs, disk.layout)
        return all(
            hasher.unchanged(name, disk.packages.tree(name), records[name])  # type: ignore[arg-type]
            for name in disk.names
        )

    assert benchmark(run)


@pytest.mark.benchmark(group="manifest")
def test_serialise(benchmark: Any, big_manifest: Manifest) -> None:
    data = benchmark(manifest_io.dumps, big_manifest)
    assert data.startswith(b"{")


@pytest.mark.benchmark(group="manifest")
def test_load(benchmark: Any, big_manifest: Manifest) -> None:
    data = manifest_io.dumps(big_manifest)
    loaded = benchmark(manifest_io.loads, data, "bench")
    assert loaded == big_manifest
