"""The scanner: ignore rules while walking, fingerprints, folding cleanliness."""

from __future__ import annotations

from dot.fs.memory import MemoryFileSystem
from dot.model import Kind
from dot.pipeline.scanner import PackageIndex, RuleSources, build_rules, scan
from helpers import DIR, add_package


def test_ignored_directories_are_never_entered(mem: MemoryFileSystem) -> None:
    add_package(mem, "p", {".git/objects/x": "", "ok/file": "", "ok/junk~": ""})
    mem.chmod(f"{DIR}/p/.git", 0o000)  # would fail if the scanner entered it
    root = scan(mem, f"{DIR}/p", build_rules(mem, f"{DIR}/p", RuleSources()), dotfiles=True)
    assert root.children[".git"].ignored
    assert root.children[".git"].children == {}
    assert root.children["ok"].children["junk~"].ignored
    assert not root.children["ok"].clean
    assert [rel for rel, _ in root.walk()] == ["ok", "ok/file"]


def test_fingerprints_and_cleanliness(mem: MemoryFileSystem) -> None:
    add_package(mem, "p", {"a/b/c": "123", "dot-x/y": "", "plain/dot-inner": ""})
    mem.symlink("a/b/c", f"{DIR}/p/link")
    root = scan(mem, f"{DIR}/p", build_rules(mem, f"{DIR}/p", RuleSources()), dotfiles=True)
    files = root.files()
    assert set(files) == {"a/b/c", "dot-x/y", "plain/dot-inner", "link"}
    assert files["a/b/c"].fingerprint is None  # files are not stat'ed by a plain scan
    with_prints = scan(
        mem, f"{DIR}/p", build_rules(mem, f"{DIR}/p", RuleSources()), True, fingerprints=True
    )
    assert with_prints.files()["a/b/c"].fingerprint[0] == 3  # type: ignore[index]
    assert root.children["link"].kind is Kind.LINK
    assert root.children["a"].clean
    assert root.children["dot-x"].clean  # its own name may be translated
    assert not root.children["plain"].clean  # a translated name below it
    no_dots = scan(mem, f"{DIR}/p", build_rules(mem, f"{DIR}/p", RuleSources()), dotfiles=False)
    assert no_dots.children["plain"].clean


def test_package_ignore_files_and_flags(mem: MemoryFileSystem) -> None:
    add_package(
        mem,
        "p",
        {
            ".dotignore": "*.bak\n!keep.bak\n",
            ".stow-local-ignore": "^/secret.*\n",
            "a.bak": "",
            "keep.bak": "",
            "secret.txt": "",
            "x.tmp": "",
            "README.md": "",
        },
    )
    mem.write("/cfg/ignore", "*.tmp\n")
    sources = RuleSources(global_file="/cfg/ignore", override=("README.md",))
    root = scan(mem, f"{DIR}/p", build_rules(mem, f"{DIR}/p", sources), dotfiles=True)
    included = sorted(rel for rel, _ in root.walk())
    assert included == ["README.md", "keep.bak"]


def test_index_scans_lazily_and_knows_what_exists(mem: MemoryFileSystem) -> None:
    add_package(mem, "a", {"f": ""})
    mem.write(f"{DIR}/not-a-dir", "")
    scanned: list[str] = []
    index = PackageIndex(mem, DIR, RuleSources(), True, scanned.append)
    assert index.exists("a")
    assert not index.exists("not-a-dir")
    assert not index.exists("missing")
    assert not index.exists("../etc")
    assert scanned == []
    assert index.tree("a") is index.tree("a")
    assert scanned == ["a"]
    assert index.tree("missing") is None
