"""Scanner: walking packages on the real filesystem (tmpfs), ignore rules applied."""

from __future__ import annotations

from typing import Any

import pytest

from bench_support import MEM_DIR, Worlds
from dot.fs.local import LocalFileSystem
from dot.fs.port import FileSystem
from dot.pipeline.scanner import Entry, RuleSources, build_rules, scan


def _scan_all(fs: FileSystem, directory: str, names: list[str]) -> Any:
    rules = {name: build_rules(fs, f"{directory}/{name}", RuleSources()) for name in names}

    def run() -> list[Entry]:
        return [scan(fs, f"{directory}/{name}", rules[name], True) for name in names]

    return run


def _check(worlds: Worlds, kind: str, trees: list[Entry]) -> None:
    fixture = worlds.spec(kind)
    expected = sum(len(fixture.linkable(name)) for name in fixture.names)
    assert sum(len(tree.files()) for tree in trees) == expected


@pytest.mark.benchmark(group="scanner")
@pytest.mark.parametrize("kind", ["small", "medium", "large", "deep", "wide"])
def test_scan_local(benchmark: Any, worlds: Worlds, kind: str) -> None:
    directory = f"{worlds.on_disk(kind)}/dotfiles"
    trees = benchmark(_scan_all(LocalFileSystem(), directory, worlds.names(kind)))
    _check(worlds, kind, trees)


@pytest.mark.benchmark(group="scanner")
def test_scan_memory_large(benchmark: Any, worlds: Worlds) -> None:
    """The same walk through the in-memory adapter: the port's own overhead."""
    fs = worlds.memory("large", target=False)
    trees = benchmark(_scan_all(fs, MEM_DIR, worlds.names("large")))
    _check(worlds, "large", trees)
