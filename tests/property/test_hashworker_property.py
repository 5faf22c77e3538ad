"""The background hash worker records what hashing in line records, on random worlds."""

from __future__ import annotations

import os

import pytest
from hypothesis import assume, given
from prop_worlds import World, property_settings, worlds

from dot import fingerprints, hashworker
from dot.fingerprints import Hasher
from dot.manifest import PackageRecord
from dot.paths import Layout
from dot.pipeline.scanner import Entry, RuleSources, build_rules, scan
from helpers import DIR, HOME

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")


@pytest.fixture(autouse=True)
def _worker_for_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprints, "PREFETCH_THRESHOLD", 1)
    monkeypatch.setattr(hashworker.os, "cpu_count", lambda: 2)


@property_settings(25)
@given(world=worlds(foreign=False))
def test_random_worlds_record_the_same_files_either_way(world: World) -> None:
    fs = world.build()
    trees: dict[str, Entry] = {}
    for name in world.names:
        root = f"{DIR}/{name}"
        trees[name] = scan(fs, root, build_rules(fs, root, RuleSources()), world.dotfiles)
    work: list[tuple[str, Entry, PackageRecord | None]] = [
        (name, tree, None) for name, tree in trees.items()
    ]
    assume(any(tree.files() for tree in trees.values()))  # something to fingerprint
    layout = Layout(DIR, HOME)
    background, inline = Hasher(fs, layout), Hasher(fs, layout)
    assert background.prefetch(work)
    got = [background.records(name, tree, old) for name, tree, old in work]
    assert got == [inline.records(name, tree, old) for name, tree, old in work]
    assert (background.hits, background.misses) == (inline.hits, inline.misses)
