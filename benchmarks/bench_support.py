"""Shared machinery of the benchmarks: generated worlds, on disk and in memory.

`Worlds` builds each fixture type once per session (fixtures/generate.py), writes it
to the session's tmpfs directory on first use, and loads fresh in-memory copies on
demand. The helpers below prepare the inputs of each pipeline stage the way
`dot.service.Dot` would, so a benchmark times one stage and nothing else.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from dot import manifest as manifest_io
from dot.fs.memory import MemoryFileSystem
from dot.fs.port import FileSystem
from dot.manifest import Manifest
from dot.model import Draft, Kind
from dot.paths import Layout
from dot.pipeline.planner import Action, Options, plan
from dot.pipeline.scanner import PackageIndex, RuleSources
from dot.pipeline.target import DIRECTORY, Node, StaticTarget
from dot.service import BACKUP_DIR_NAME, TRASH_DIR_NAME, Config, Dot

REPO = Path(__file__).resolve().parent.parent
SEED = 1

# Where in-memory worlds live: the same geometry as a generated tree on disk.
MEM_DIR = "/bench/dotfiles"
MEM_HOME = "/bench/home"
MEM_LAYOUT = Layout(MEM_DIR, MEM_HOME)
PROTECTED = frozenset({manifest_io.DEFAULT_NAME, BACKUP_DIR_NAME, TRASH_DIR_NAME})
BACKUP_ROOT = f"{MEM_HOME}/{BACKUP_DIR_NAME}"
BACKUP_RUN = f"{BACKUP_ROOT}/20261125T120000.000000Z"
NO_FOLDING = Options(folding=False)
FOLDING = Options()


def _load_generator() -> ModuleType:
    """fixtures/generate.py by path (a `fixtures` package elsewhere must not shadow it)."""
    name = "dot_bench_fixtures_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "fixtures" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


class Worlds:
    """Generated fixtures for one session, each built at most once."""

    def __init__(self, root: str, scale: float, seed: int = SEED) -> None:
        self.root = root
        self.scale = scale
        self.seed = seed
        self._specs: dict[str, Any] = {}
        self._disk: dict[str, str] = {}
        self._counter = 0

    def spec(self, kind: str) -> Any:
        """The fixture as data (fixtures.generate.Fixture)."""
        if kind not in self._specs:
            self._specs[kind] = generator.build(kind, self.seed, self.scale)
        return self._specs[kind]

    def names(self, kind: str) -> list[str]:
        return list(self.spec(kind).names)

    def on_disk(self, kind: str) -> str:
        """A directory holding `dotfiles/` and `home/` of this fixture (tmpfs if any)."""
        if kind not in self._disk:
            out = os.path.join(self.root, f"fixture-{kind}")
            generator.write(self.spec(kind), out)
            self._disk[kind] = out
        return self._disk[kind]

    def fresh_dir(self, label: str) -> str:
        """A new empty directory below the session root (a target for one round)."""
        self._counter += 1
        path = os.path.join(self.root, "targets", f"{label}-{self._counter}")
        os.makedirs(path)
        return path

    def memory(self, kind: str, *, target: bool = True) -> MemoryFileSystem:
        """A fresh in-memory copy: packages below MEM_DIR, the target below MEM_HOME."""
        fixture = self.spec(kind)
        fs = MemoryFileSystem()
        fs.makedirs(MEM_DIR)
        fs.makedirs(MEM_HOME)
        for name, items in fixture.packages.items():
            fs.makedirs(f"{MEM_DIR}/{name}")
            _load(fs, f"{MEM_DIR}/{name}", items)
        if target:
            _load(fs, MEM_HOME, fixture.target)
        return fs


def _load(fs: MemoryFileSystem, root: str, items: Iterable[Any]) -> None:
    for item in items:
        path = f"{root}/{item.path}"
        if isinstance(item, generator.File):
            fs.write(path, item.data, item.mode)
        elif isinstance(item, generator.Symlink):
            fs.makedirs(path.rpartition("/")[0])
            fs.symlink(item.text, path)
        else:
            fs.makedirs(path)


def empty_world() -> MemoryFileSystem:
    """An in-memory FS with an empty package directory and target (executor input)."""
    fs = MemoryFileSystem()
    fs.makedirs(MEM_DIR)
    fs.makedirs(MEM_HOME)
    return fs


def index(fs: FileSystem, directory: str, names: Sequence[str]) -> PackageIndex:
    """A package index with every named package already scanned."""
    packages = PackageIndex(fs, directory, RuleSources(), True)
    for name in names:
        assert packages.tree(name) is not None, name
    return packages


def static_target(fs: MemoryFileSystem, home: str = MEM_HOME) -> StaticTarget:
    """The target below `home` as literal data, so planning does no I/O at all."""
    nodes: dict[str, Node] = {}
    for path, (kind, content, _) in fs.snapshot(home).items():
        if kind == "link":
            nodes[path] = Node(Kind.LINK, str(content))
        elif kind == "dir":
            nodes[path] = DIRECTORY
        else:
            nodes[path] = Node(Kind.FILE if kind == "file" else Kind.OTHER)
    return StaticTarget(nodes)


def draft(
    actions: Sequence[tuple[Action, str]],
    sources: PackageIndex,
    target: StaticTarget,
    *,
    options: Options = FOLDING,
    manifest: Manifest | None = None,
) -> Draft:
    """Plan `actions` on the in-memory layout, as `Dot` does."""
    return plan(
        actions,
        layout=MEM_LAYOUT,
        options=options,
        manifest=manifest or Manifest(MEM_DIR, MEM_HOME),
        sources=sources,
        target=target,
        protected=PROTECTED,
        backup_root=BACKUP_ROOT,
    )


def manage_all(names: Sequence[str]) -> list[tuple[Action, str]]:
    return [(Action.MANAGE, name) for name in names]


def service(fs: FileSystem, directory: str, target: str, **settings: Any) -> Dot:
    """A Dot facade over `fs` for the given package directory and target."""
    return Dot(fs, Config(dir=directory, target=target, **settings))


def memory_manifest(fs: MemoryFileSystem) -> Manifest:
    return manifest_io.load(fs, f"{MEM_HOME}/{manifest_io.DEFAULT_NAME}", MEM_DIR, MEM_HOME)


def count_links(root: str) -> int:
    """Symlinks below a real directory (not following them)."""
    total = 0
    for dirpath, dirs, files in os.walk(root):
        total += sum(os.path.islink(os.path.join(dirpath, name)) for name in (*dirs, *files))
    return total
