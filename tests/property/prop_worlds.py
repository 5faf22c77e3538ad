"""Random dot worlds for the property suites: strategies, builders and checks.

A world is a plain description (dicts and tuples) that can be materialised any
number of times on a fresh in-memory filesystem, so a test can run the same
scenario again and again (the rollback suite does, once per injected failure),
and Hypothesis prints a failing world as code that rebuilds it.

Tree values: a `str` is a regular file (its content), a `dict` a directory,
`("link", text)` a symlink, `("fifo",)` a special file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from dot import manifest as manifest_io
from dot.fs.memory import MemoryFileSystem
from dot.fs.port import FileSystem
from dot.paths import Layout, Owner, is_within, translate, translate_name
from dot.service import Config, Dot
from helpers import DIR, FIXED_NOW, HOME, memory_world

Tree = dict[str, Any]

# DOT_PROPERTY_SCALE=10 runs ten times as many examples.
SCALE = float(os.environ.get("DOT_PROPERTY_SCALE", "1"))


def property_settings(examples: int) -> settings:
    """The suites' Hypothesis settings: `examples` (times SCALE), no deadline.

    database=None: the suite-wide guard in conftest.py refuses writes outside the
    temp dirs, and Hypothesis' example database lives in .hypothesis/.
    """
    return settings(
        max_examples=int(examples * SCALE),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


PACKAGE_NAMES = ("vim", "zsh", "git", "tmux")
MANIFEST = f"{HOME}/{manifest_io.DEFAULT_NAME}"

# Directory names: translated ones, a no-fold name spelt both ways, and the bare
# `dot-` that is never translated. "b" is also a file name (type clashes).
DIR_NAMES = ("dot-config", ".config", "dot-local", "share", "bin", "nvim", "b", "dot-")
# File names: translated, plain, ignored anywhere (`x~`, `.#lock`), ignored at the
# top level only (`README.md`). "{i}" is a per-package tag in "disjoint" worlds.
FILE_NAMES = ("dot-rc{i}", "init{i}", "b{i}", "x{i}~", "README{i}.md", "c{i}", ".#lock{i}")
# Names in the target, as packages map to them, plus some no package uses.
FOREIGN_NAMES = (".config", ".local", "share", "bin", "nvim", "b", ".rc", "init", "c", "other")
FOREIGN_LINKS = ("/etc/hosts", "/nonexistent/place", "elsewhere", "../outside", "init")
CONTENTS = ("", "x", "some text\n")


@dataclass(frozen=True)
class World:
    """A description of a package directory and a target, plus mapping flags."""

    packages: Mapping[str, Tree]
    foreign: Tree = field(default_factory=dict)
    folding: bool = True
    dotfiles: bool = True

    def build(self) -> MemoryFileSystem:
        fs = memory_world()
        for name, tree in self.packages.items():
            fs.makedirs(f"{DIR}/{name}")
            materialise(fs, f"{DIR}/{name}", tree)
        materialise(fs, HOME, self.foreign)
        return fs

    def config(self, **overrides: Any) -> Config:
        settings: dict[str, Any] = {
            "dir": DIR,
            "target": HOME,
            "folding": self.folding,
            "dotfiles": self.dotfiles,
            "jobs": 1,
        }
        settings.update(overrides)
        return Config(**settings)

    def dot(self, fs: FileSystem, *, tick: int = 0, **overrides: Any) -> Dot:
        """A service on `fs`; `tick` moves the clock (minutes after the fixed time)."""
        moment = FIXED_NOW + timedelta(minutes=tick)

        def now() -> datetime:
            return moment

        return Dot(fs, self.config(**overrides), now=now)

    @property
    def names(self) -> list[str]:
        return list(self.packages)


def materialise(fs: MemoryFileSystem, root: str, tree: Mapping[str, Any]) -> None:
    fs.makedirs(root)
    for name, value in sorted(tree.items()):
        path = f"{root}/{name}"
        if isinstance(value, dict):
            materialise(fs, path, value)
        elif isinstance(value, str):
            fs.write(path, value)
        elif value[0] == "link":
            fs.symlink(value[1], path)
        else:
            fs.mkfifo(path)


# --- strategies ------------------------------------------------------------------


def _grow(items: Iterable[tuple[list[str], str, Any]]) -> Tree:
    """A tree from (directories, name, value) items; items that clash are dropped."""
    root: Tree = {}
    for dirs, name, value in items:
        node = root
        for part in dirs:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(name, {} if isinstance(value, dict) else value)
    return root


def _trees(
    names: tuple[str, ...],
    dirs: tuple[str, ...],
    leaf: st.SearchStrategy[Any],
    depth: int,
    min_size: int = 0,
) -> st.SearchStrategy[Tree]:
    """Trees up to `depth` levels, drawn as a short list of paths (cheap to generate)."""
    item = st.tuples(
        st.lists(st.sampled_from(dirs), max_size=depth - 1),
        st.sampled_from(names),
        leaf,
    )
    empty_dir = st.tuples(
        st.lists(st.sampled_from(dirs), max_size=depth - 2), st.sampled_from(dirs), st.just({})
    )
    return st.lists(st.one_of(item, item, item, empty_dir), min_size=min_size, max_size=8).map(
        _grow
    )


def package_tree(tag: str = "") -> st.SearchStrategy[Tree]:
    """A package: depth <= 4, names shared with other packages (unless tagged)."""
    names = tuple(name.format(i=tag) for name in FILE_NAMES)
    leaf = st.one_of(
        st.sampled_from(CONTENTS),
        st.sampled_from(CONTENTS),
        st.sampled_from(CONTENTS),
        st.just(("link", "init" + tag)),  # a symlink inside the package, linked as is
    )
    return _trees(names, DIR_NAMES, leaf, 4, min_size=1)


def foreign_tree() -> st.SearchStrategy[Tree]:
    leaf = st.one_of(
        st.sampled_from(("mine", "user data\n")),
        st.sampled_from(("mine", "user data\n")),
        st.sampled_from(FOREIGN_LINKS).map(lambda text: ("link", text)),
        st.just(("fifo",)),
    )
    return _trees(FOREIGN_NAMES, FOREIGN_NAMES, leaf, 3)


def dedupe(tree: Tree, dotfiles: bool) -> Tree:
    """Drop siblings that would map to the same target name (`.config`/`dot-config`)."""
    out: Tree = {}
    seen: set[str] = set()
    for name in sorted(tree):
        mapped = translate_name(name, dotfiles)
        if mapped in seen:
            continue
        seen.add(mapped)
        value = tree[name]
        out[name] = dedupe(value, dotfiles) if isinstance(value, dict) else value
    return out


@st.composite
def worlds(
    draw: st.DrawFn,
    *,
    min_packages: int = 1,
    max_packages: int = 4,
    foreign: bool = True,
    disjoint: bool = False,
) -> World:
    """A random world; `disjoint` packages never want the same file path."""
    count = draw(st.integers(min_packages, max_packages))
    dotfiles = draw(st.booleans())
    folding = draw(st.booleans())
    packages: dict[str, Tree] = {}
    for index, name in enumerate(PACKAGE_NAMES[:count]):
        tag = str(index + 1) if disjoint else ""
        packages[name] = dedupe(draw(package_tree(tag)), dotfiles)
    target = draw(foreign_tree()) if foreign else {}
    return World(packages, target, folding=folding, dotfiles=dotfiles)


# --- package mutations -----------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """One change to a package: add/remove a file or dir, or change a file's content."""

    kind: str  # "add-file" | "remove" | "add-dir" | "add-empty-dir" | "edit"
    package: str
    path: str  # package-relative
    tag: str = ""  # the package's tag in disjoint worlds (names of new files)

    def apply(self, world: World, fs: MemoryFileSystem | None = None) -> World:
        """The world after the change; with `fs`, also make the change on disk."""
        tree = _copy(world.packages[self.package])
        head, _, name = self.path.rpartition("/")
        node = _find(tree, head)
        base = f"{DIR}/{self.package}/{self.path}"
        if self.kind == "add-file":
            node[name] = "new\n"
            if fs is not None:
                fs.write(base, "new\n")
        elif self.kind == "edit":
            old = node[name]
            node[name] = old + "edited\n" if isinstance(old, str) else "edited\n"
            if fs is not None:
                if not isinstance(old, str):
                    fs.unlink(base)
                fs.write(base, node[name])
        elif self.kind == "add-dir":
            node[name] = {f"inner{self.tag}": "new\n"}
            if fs is not None:
                fs.write(f"{base}/inner{self.tag}", "new\n")
        elif self.kind == "add-empty-dir":
            node[name] = {}
            if fs is not None:
                fs.makedirs(base)
        elif self.kind == "remove":
            del node[name]
            if fs is not None:
                remove_tree(fs, base)
        else:  # pragma: no cover
            raise AssertionError(self.kind)
        packages = dict(world.packages)
        packages[self.package] = tree
        return World(packages, world.foreign, folding=world.folding, dotfiles=world.dotfiles)

    def target(self, world: World) -> str:
        """The target path the change maps to."""
        return translate(self.path, world.dotfiles)


def _copy(tree: Tree) -> Tree:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in tree.items()}


def _find(tree: Tree, rel: str) -> Tree:
    node = tree
    for part in rel.split("/") if rel else ():
        node = node[part]
    return node


def entries(tree: Tree, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """Every (package-relative path, value) below `tree`, pre-order."""
    for name, value in sorted(tree.items()):
        rel = f"{prefix}/{name}" if prefix else name
        yield rel, value
        if isinstance(value, dict):
            yield from entries(value, rel)


@st.composite
def mutations(draw: st.DrawFn, world: World, *, disjoint: bool = False) -> Mutation:
    """A change to one of `world`'s packages that keeps its names distinct."""
    index = draw(st.integers(0, len(world.packages) - 1))
    package = world.names[index]
    tree = world.packages[package]
    tag = str(index + 1) if disjoint else ""
    listing = list(entries(tree))
    dirs = [""] + [rel for rel, value in listing if isinstance(value, dict)]
    leaves = [rel for rel, value in listing if not isinstance(value, dict)]
    kinds = ["add-file", "add-dir", "add-empty-dir"]
    if listing:
        kinds.append("remove")
    if leaves:
        kinds.append("edit")
    kind = draw(st.sampled_from(kinds))
    if kind == "remove":
        return Mutation(kind, package, draw(st.sampled_from([rel for rel, _ in listing])), tag)
    if kind == "edit":
        return Mutation(kind, package, draw(st.sampled_from(leaves)), tag)
    where = draw(st.sampled_from(dirs))
    if where.count("/") >= 3:
        where = ""
    present = {translate_name(n, world.dotfiles) for n in _find(tree, where)}
    if kind == "add-file":
        pool = [n.format(i=tag) for n in FILE_NAMES]
    else:
        pool = [*DIR_NAMES, f"new{tag}"]
    fresh = [n for n in pool if translate_name(n, world.dotfiles) not in present]
    name = draw(st.sampled_from(fresh or [f"extra{tag}"]))
    path = f"{where}/{name}" if where else name
    return Mutation(kind, package, path, tag)


def remove_tree(fs: MemoryFileSystem, path: str) -> None:
    if stat.S_ISDIR(fs.lstat(path).st_mode):
        for entry in list(fs.scandir(path)):
            remove_tree(fs, entry.path)
        fs.rmdir(path)
    else:
        fs.unlink(path)


# --- checks ----------------------------------------------------------------------


def is_state(path: str) -> bool:
    """Whether the absolute `path` is one of dot's state files in the target."""
    return path.startswith(f"{HOME}/.dot-")


def without_state(tree: Mapping[str, Any]) -> dict[str, Any]:
    return {p: v for p, v in tree.items() if not p.split("/")[0].startswith(".dot-")}


def check_manifest_links(fs: MemoryFileSystem, fresh: Callable[[str], bool]) -> None:
    """Every link the manifest records exists with its text and points into its package.

    For packages `fresh(name)` says are unchanged since their last run, the link's
    source must also exist in the package.
    """
    layout = Layout(DIR, HOME)
    manifest = manifest_io.load(fs, MANIFEST, DIR, HOME)
    for name, record in manifest.packages.items():
        for path, link in record.links.items():
            full = f"{HOME}/{path}"
            assert fs.exists(full), f"{name}: recorded link {path} is missing"
            text = fs.readlink(full)
            assert text == link.text, f"{name}: {path} -> {text}, recorded {link.text}"
            owner = layout.owner(path, text)
            assert owner is not None, f"{name}: {path} -> {text} points outside {DIR}"
            assert owner.package == name, f"{name}: {path} -> {text} is owned by {owner}"
            if fresh(name):
                source = layout.source_abs(name, owner.source)
                assert fs.exists(source), f"{name}: {path} -> {text} dangles"


def ignored(rel: str) -> bool:
    """Whether the built-in ignore rules drop `rel` (the names this generator uses)."""
    parts = rel.split("/")
    if parts[0].startswith(("README", "LICENSE")) or parts[0] == "COPYING":
        return True
    return any(part.endswith("~") or part.startswith(".#") for part in parts)


def unreached(fs: MemoryFileSystem, world: World, name: str) -> list[str]:
    """Included non-directory entries of package `name` that no link in the target reaches.

    An entry is reached when its target path is a link to it, or lies below a folded
    link to one of its directories (followed through the target's real paths).
    """
    layout = Layout(DIR, HOME)
    missing = []
    for rel, value in entries(world.packages[name]):
        if isinstance(value, dict) or ignored(rel):
            continue
        path = translate(rel, world.dotfiles)
        head, _, leaf = path.rpartition("/")
        src_head = rel.rpartition("/")[0]
        real_head = fs.realpath(f"{HOME}/{head}" if head else HOME)
        if real_head == layout.source_abs(name, src_head):
            continue  # below a folded directory link of this package
        full = f"{real_head}/{leaf}"
        if fs.exists(full) and stat.S_ISLNK(fs.lstat(full).st_mode):
            text = fs.readlink(full)
            where = full[len(HOME) + 1 :] if full.startswith(HOME + "/") else None
            if where is not None and layout.owner(where, text) == Owner(name, rel):
                continue
        missing.append(rel)
    return missing


def foreign_kept(initial: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """Initial foreign entries that are neither in place nor backed up unchanged."""
    backups = {
        p.split("/", 2)[2]: v
        for p, v in now.items()
        if p.startswith(".dot-backup/") and p.count("/") >= 2
    }
    lost = []
    for path, value in initial.items():
        if now.get(path) == value:
            continue
        if backups.get(path) == value:
            continue
        lost.append(f"{path}: {value!r} -> {now.get(path)!r}")
    return lost


def within_top(path: str, target: str) -> bool:
    """Whether `path` lies in the same top-level entry of the target as `target`."""
    top = target.split("/")[0]
    return is_within(path, top)


def diff(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> str:
    """The paths where two snapshots differ, for assertion messages."""
    lines = [
        f"  {path}: expected {expected.get(path)!r}, got {actual.get(path)!r}"
        for path in sorted(set(expected) | set(actual))
        if expected.get(path) != actual.get(path)
    ]
    return "target differs:\n" + "\n".join(lines)
