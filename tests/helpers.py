"""Shared helpers for the test suites: worlds on the in-memory FS, trees, snapshots."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dot.fs.memory import MemoryFileSystem
from dot.fs.port import FileSystem
from dot.model import Kind
from dot.pipeline.scanner import Entry, kind_in_tree
from dot.pipeline.target import Node, StaticTarget
from dot.service import Config, Dot

DIR = "/dotfiles"
HOME = "/home"

FIXED_NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def clock() -> datetime:
    return FIXED_NOW


def memory_world() -> MemoryFileSystem:
    """An in-memory FS with an empty package directory and an empty home."""
    fs = MemoryFileSystem()
    fs.makedirs(DIR)
    fs.makedirs(HOME)
    return fs


def add_package(fs: MemoryFileSystem, name: str, files: Mapping[str, str], root: str = DIR) -> None:
    """Create a package: {"dot-vimrc": "content", "dot-vim/colors/x": "", "d/": None}."""
    fs.makedirs(f"{root}/{name}")
    for rel, content in files.items():
        if rel.endswith("/"):
            fs.makedirs(f"{root}/{name}/{rel.rstrip('/')}")
        else:
            fs.write(f"{root}/{name}/{rel}", content or "")


def three_packages(fs: MemoryFileSystem) -> MemoryFileSystem:
    """vim (a folded directory and a file), nvim (under .config), zsh (a README)."""
    add_package(fs, "vim", {"dot-vimrc": "set nu", "dot-vim/colors/x.vim": "hi"})
    add_package(fs, "nvim", {"dot-config/nvim/init.lua": "--", "dot-config/nvim/lua/o.lua": ""})
    add_package(fs, "zsh", {"dot-zshrc": "export A=1", "README.md": "docs"})
    return fs


def service(fs: FileSystem, **overrides: Any) -> Dot:
    """A Dot service on `fs` with the standard layout and a fixed clock."""
    settings: dict[str, Any] = {"dir": DIR, "target": HOME}
    settings.update(overrides)
    return Dot(fs, Config(**settings), now=clock)


def snapshot(fs: MemoryFileSystem, path: str = HOME, *, state: bool = False) -> dict[str, Any]:
    """The tree below `path`; dot's own state files are left out unless `state`."""
    tree = fs.snapshot(path)
    if state:
        return tree
    return {p: v for p, v in tree.items() if not p.split("/")[0].startswith(".dot-")}


def links(fs: MemoryFileSystem, path: str = HOME) -> dict[str, str]:
    """Only the symlinks below `path`: relative path -> link text."""
    return {p: str(v[1]) for p, v in fs.snapshot(path).items() if v[0] == "link"}


def real_tree(root: str, *, state: bool = False) -> dict[str, tuple[str, str | bytes, int]]:
    """Snapshot of a real directory: path -> (type, content or link text, mode)."""
    out: dict[str, tuple[str, str | bytes, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if not state and rel.split("/")[0].startswith(".dot-"):
                continue
            st = os.lstat(full)
            mode = st.st_mode & 0o7777
            if os.path.islink(full):
                out[rel] = ("link", os.readlink(full), 0)
            elif os.path.isdir(full):
                out[rel] = ("dir", b"", mode)
            else:
                with open(full, "rb") as handle:
                    out[rel] = ("file", handle.read(), mode)
        # do not descend into symlinked directories
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    return out


def tree(spec: Mapping[str, Any], *, dotfiles: bool = True) -> Entry:
    """A package tree from a nested dict: {"dot-vimrc": "", "dir": {...}, "x": Kind.LINK}.

    A key ending in "!" is an ignored entry (the "!" is dropped).
    """
    root = Entry("", Kind.DIR)
    _fill(root, spec, dotfiles)
    return root


def _fill(node: Entry, spec: Mapping[str, Any], dotfiles: bool) -> None:
    clean = True
    for raw, value in sorted(spec.items(), key=lambda item: item[0].rstrip("!")):
        ignored = raw.endswith("!")
        name = raw.rstrip("!")
        if isinstance(value, Mapping):
            child = Entry(name, Kind.DIR, ignored=ignored)
            if not ignored:
                _fill(child, value, dotfiles)
                clean = clean and child.clean
        elif isinstance(value, Kind):
            child = Entry(name, value, (0, 0, 0, 0), ignored=ignored)
        else:
            child = Entry(name, Kind.FILE, (len(str(value)), 0, 0, 0o100644), ignored=ignored)
        if ignored:
            clean = False
        if dotfiles and name.startswith("dot-") and len(name) > 4:
            clean = False
        node.children[name] = child
    node.clean = clean


class Trees:
    """A `Sources` over literal trees."""

    def __init__(self, trees: Mapping[str, Entry]) -> None:
        self.trees = dict(trees)
        self.asked: list[str] = []

    def tree(self, name: str) -> Entry | None:
        self.asked.append(name)
        return self.trees.get(name)

    def source_kind(self, name: str, source: str) -> Kind:
        return kind_in_tree(self.tree(name), source)


def target(nodes: Mapping[str, str | Node]) -> StaticTarget:
    """A StaticTarget from {"path": "file" | "dir" | "-> text" | Node}."""
    parsed: dict[str, Node] = {}
    for path, value in nodes.items():
        if isinstance(value, Node):
            parsed[path] = value
        elif value.startswith("-> "):
            parsed[path] = Node(Kind.LINK, value[3:])
        else:
            parsed[path] = Node(Kind(value))
    return StaticTarget(parsed)
