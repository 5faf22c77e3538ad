"""`dot adopt`: what moving existing target items into a package means, as data.

The planner is reused unchanged: it is shown the target *without* the adopted
items and the package *with* them, so planning "manage the package" yields exactly
the links that put the moved items back in view.
"""

from __future__ import annotations

from collections.abc import Mapping

from dot.errors import DotError, UsageError
from dot.ignore import IgnoreRules
from dot.model import Kind
from dot.paths import DOT_PREFIX, is_within, parent, validate_package_name
from dot.pipeline.planner import Sources
from dot.pipeline.scanner import Entry, kind_in_tree
from dot.pipeline.target import DIRECTORY, MISSING, Node, TargetReader
from dot.values import value

# Containers whose children are what a user means by "a program's config".
CONTAINERS = frozenset(
    {".config", ".local", ".local/share", ".local/state", ".local/bin", ".cache"}
)


@value
class Adoptee:
    """One item to adopt: where it is in the target and where it goes in the package."""

    path: str  # target-relative
    source: str  # package-relative
    kind: Kind


def derive_name(path: str) -> str:
    """A package name for a target path: `.vimrc` -> vimrc, `.config/nvim` -> nvim."""
    parts = path.split("/")
    index = 0
    while index < len(parts) - 1 and "/".join(parts[: index + 1]) in CONTAINERS:
        index += 1
    name = parts[index].lstrip(".")
    if validate_package_name(name) is not None:
        raise UsageError(f"cannot derive a package name from {path}; give one with --package")
    return name


def to_source(path: str, dotfiles: bool) -> str:
    """The package-side path for a target path: `.config/nvim` -> `dot-config/nvim`."""
    parts = []
    for part in path.split("/"):
        if dotfiles and part.startswith(DOT_PREFIX) and len(part) > len(DOT_PREFIX):
            raise DotError(
                f"cannot adopt {path}: the name {part!r} starts with 'dot-', which dot would "
                "translate to '.' (use --no-dotfiles)"
            )
        if dotfiles and part.startswith(".") and len(part) > 1:
            part = DOT_PREFIX + part[1:]
        parts.append(part)
    return "/".join(parts)


def graft(tree: Entry | None, source: str, item: Entry) -> Entry:
    """A copy of `tree` with `item` placed at `source` (shared, unchanged nodes reused)."""
    root = Entry("", Kind.DIR)
    if tree is not None:
        root.children = dict(tree.children)
        root.clean = tree.clean
    node = root
    parts = source.split("/")
    for part in parts[:-1]:
        existing = node.children.get(part)
        child = Entry(part, Kind.DIR)
        if existing is not None and existing.kind is Kind.DIR:
            child.children = dict(existing.children)
            child.clean = existing.clean
        node.children[part] = child
        node = child
    item.name = parts[-1]
    node.children[parts[-1]] = item
    _reclean(root)
    return root


def _reclean(node: Entry) -> bool:
    clean = True
    for child in node.children.values():
        if child.ignored or (child.name.startswith(DOT_PREFIX) and len(child.name) > 4):
            clean = False
        if child.kind is Kind.DIR and not child.ignored and not _reclean(child):
            clean = False
    node.clean = clean
    return clean


def ignored_name(rules: IgnoreRules, source: str, is_dir: bool) -> str:
    """The package path (`source` or a directory above it) the rules ignore, or ""."""
    parts = source.split("/")
    for index in range(1, len(parts)):
        above = "/".join(parts[:index])
        if rules.ignored(above, True):
            return above
    return source if rules.ignored(source, is_dir) else ""


def ignored_inside(entry: Entry, prefix: str) -> list[str]:
    """Package-relative paths of ignored entries at or below `entry`."""
    out = []
    for name, child in sorted(entry.children.items()):
        rel = f"{prefix}/{name}"
        if child.ignored:
            out.append(rel)
        elif child.kind is Kind.DIR:
            out.extend(ignored_inside(child, rel))
    return out


class WithAdopted:
    """Package trees, with the adopting package replaced by its grafted tree."""

    def __init__(self, inner: Sources, package: str, tree: Entry) -> None:
        self._inner = inner
        self._package = package
        self._tree = tree

    def tree(self, name: str) -> Entry | None:
        return self._tree if name == self._package else self._inner.tree(name)

    def source_kind(self, name: str, source: str) -> Kind:
        if name == self._package:
            return kind_in_tree(self._tree, source)
        return self._inner.source_kind(name, source)


class Without:
    """The target as it will be once the adopted items have moved out of it."""

    def __init__(self, inner: TargetReader, gone: frozenset[str]) -> None:
        self._inner = inner
        self._gone = gone

    def _removed(self, path: str) -> bool:
        return any(is_within(path, g) for g in self._gone)

    def node(self, path: str) -> Node:
        if not path:
            return DIRECTORY
        return MISSING if self._removed(path) else self._inner.node(path)

    def children(self, path: str) -> Mapping[str, Kind]:
        listing = self._inner.children(path)
        if not any(parent(g) == path for g in self._gone):
            return listing
        return {n: k for n, k in listing.items() if not self._removed(f"{path}/{n}" if path else n)}
