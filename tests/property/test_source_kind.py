"""PackageIndex.source_kind answers without a scan exactly what the scan would say.

Random packages (files, directories, ignored names, symlinks to files and to
directories, a directory the ignore file names) and random questions: paths that
exist, paths below files, below symlinks, below ignored directories, and paths that
do not exist at all.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from prop_worlds import entries, materialise, package_tree, property_settings

from dot.fs.memory import MemoryFileSystem
from dot.model import Kind
from dot.pipeline.scanner import PackageIndex, RuleSources, kind_in_tree
from helpers import DIR, memory_world


@st.composite
def questions(draw: st.DrawFn) -> tuple[MemoryFileSystem, list[str]]:
    tree = draw(package_tree())
    if draw(st.booleans()):
        tree["linked-dir"] = ("link", "dot-config")  # a symlink to a directory
    if draw(st.booleans()):
        tree["skipped"] = {"inner": {"deep": "x"}}
        tree[".dotignore"] = "skipped\n"
    fs = memory_world()
    materialise(fs, f"{DIR}/pkg", tree)
    known = [rel for rel, _ in entries(tree)]
    extra = ["", "nowhere", "nowhere/below", "linked-dir/x", "skipped/inner", "skipped/inner/deep"]
    suffixes = st.sampled_from(["", "/x", "/dot-config", "/b", "/x/y", "/..", "/./x", "//x"])
    asked = draw(
        st.lists(
            st.tuples(st.sampled_from(known + extra), suffixes).map("".join),
            min_size=1,
            max_size=12,
        )
    )
    return fs, asked


@property_settings(150)
@given(case=questions())
def test_a_probe_agrees_with_the_scan(case: tuple[MemoryFileSystem, list[str]]) -> None:
    fs, asked = case
    scanned = PackageIndex(fs, DIR, RuleSources(), True)
    tree = scanned.tree("pkg")
    for source in asked:
        probing = PackageIndex(fs, DIR, RuleSources(), True)  # nothing scanned yet
        assert probing.source_kind("pkg", source) == kind_in_tree(tree, source), source
        assert probing.source_kind("absent", source) is Kind.MISSING


def test_a_probe_does_not_scan(mem: MemoryFileSystem) -> None:
    materialise(mem, f"{DIR}/pkg", {"a": {"b": "x"}, "c": "y"})
    scans: list[str] = []
    index = PackageIndex(mem, DIR, RuleSources(), True, scans.append)
    assert index.source_kind("pkg", "a/b") is Kind.FILE
    assert index.source_kind("pkg", "a/zz") is Kind.MISSING
    assert index.source_kind("pkg", "c/below") is Kind.MISSING
    assert scans == []
    index.tree("pkg")
    assert index.source_kind("pkg", "a") is Kind.DIR  # from the tree, once there is one
    assert scans == ["pkg"]
