"""Read-only views of the target directory, as the planner sees it.

`ObservedTarget` reads lazily through the FS port and remembers what it saw, so
the planner only costs the syscalls for paths it actually looks at. `StaticTarget`
is the same view over literal data, for tests of the pure stages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from dot.errors import PermissionDenied
from dot.fs.port import FileSystem, kind_of_entry, kind_of_mode
from dot.model import Kind
from dot.paths import join, parent
from dot.values import value


@value
class Node:
    """What is at a target path: its kind and, for a symlink, its text."""

    kind: Kind
    text: str = ""


MISSING = Node(Kind.MISSING)
DIRECTORY = Node(Kind.DIR)


class TargetReader(Protocol):
    """What the planner may ask about the target (paths relative to it)."""

    def node(self, path: str) -> Node: ...
    def children(self, path: str) -> Mapping[str, Kind]: ...


class ObservedTarget:
    """A lazy, caching view of the real target through the FS port."""

    def __init__(self, fs: FileSystem, root: str) -> None:
        self._fs = fs
        self._root = root
        self._nodes: dict[str, Node] = {"": DIRECTORY}
        self._listings: dict[str, dict[str, Kind]] = {}
        self._unlisted: set[str] = set()
        self.syscalls = 0  # cache misses: reads that went to the filesystem
        self.hits = 0  # questions answered from what was already read

    def _abs(self, path: str) -> str:
        return f"{self._root}/{path}" if path else self._root

    def seed(self, directory: str, links: Iterable[tuple[str, str]]) -> None:
        """Take the links (name, text) of `directory` as known, without reading them.

        For a directory whose stamp (dot.stamps) proves it unchanged since its links
        were read back; the check that proved it is counted with `checked`.
        """
        nodes = self._nodes
        for name, text in links:
            path = f"{directory}/{name}" if directory else name
            if path not in nodes:
                nodes[path] = Node(Kind.LINK, text)

    def checked(self, syscalls: int) -> None:
        """Count system calls made on the view's behalf (stamp checks for `seed`)."""
        self.syscalls += syscalls

    def node(self, path: str) -> Node:
        cached = self._nodes.get(path)
        if cached is not None:
            self.hits += 1
            return cached
        up = parent(path)
        listing = self._listings.get(up)
        if listing is None and up not in self._unlisted:
            # The planner asks about many entries of one directory: one scandir is
            # cheaper than an lstat each.
            listing = self._list(up)
        if listing is not None:
            self.hits += 1
            kind = listing.get(path.rpartition("/")[2], Kind.MISSING)
        else:
            kind = self._lstat(path)
        node = Node(kind, self._readlink(path)) if kind is Kind.LINK else Node(kind)
        self._nodes[path] = node
        return node

    def children(self, path: str) -> Mapping[str, Kind]:
        listing = self._listings.get(path)
        if listing is None:
            if self.node(path).kind is not Kind.DIR:
                listing = {}
            else:
                listing = self._scandir(path)
            self._listings[path] = listing
        return listing

    def _list(self, path: str) -> dict[str, Kind] | None:
        """The listing of `path` if it is a readable directory, else None (use lstat)."""
        self.syscalls += 1
        try:
            listing = {e.name: kind_of_entry(e) for e in self._fs.scandir(self._abs(path))}
        except OSError:
            self._unlisted.add(path)
            return None
        self._listings[path] = listing
        return listing

    def _lstat(self, path: str) -> Kind:
        self.syscalls += 1
        try:
            return kind_of_mode(self._fs.lstat(self._abs(path)).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            return Kind.MISSING
        except PermissionError:
            raise PermissionDenied(f"cannot inspect {self._abs(path)}: permission denied") from None

    def _readlink(self, path: str) -> str:
        self.syscalls += 1
        try:
            return self._fs.readlink(self._abs(path))
        except PermissionError:
            raise PermissionDenied(
                f"cannot read link {self._abs(path)}: permission denied"
            ) from None

    def _scandir(self, path: str) -> dict[str, Kind]:
        self.syscalls += 1
        try:
            return {entry.name: kind_of_entry(entry) for entry in self._fs.scandir(self._abs(path))}
        except PermissionError:
            raise PermissionDenied(
                f"cannot read directory {self._abs(path)}: permission denied"
            ) from None
        except (FileNotFoundError, NotADirectoryError):
            return {}


class StaticTarget:
    """A target given as literal data: {path: Node}; parents of listed paths are dirs."""

    def __init__(self, nodes: Mapping[str, Node]) -> None:
        self._nodes = dict(nodes)
        self._listings: dict[str, dict[str, Kind]] = {"": {}}
        for path in sorted(self._nodes):
            cursor = path
            while cursor:
                up = parent(cursor)
                self._nodes.setdefault(up, DIRECTORY) if up else None
                self._listings.setdefault(up, {})[cursor.rpartition("/")[2]] = self._nodes.get(
                    cursor, DIRECTORY
                ).kind
                cursor = up

    def node(self, path: str) -> Node:
        if not path:
            return DIRECTORY
        return self._nodes.get(path, MISSING)

    def children(self, path: str) -> Mapping[str, Kind]:
        return self._listings.get(path, {})


def describe(path: str, node: Node) -> str:
    """A short human description of a node, for messages."""
    if node.kind is Kind.LINK:
        return f"{path} -> {node.text}"
    return f"{path} ({node.kind.value})"


__all__ = ["DIRECTORY", "MISSING", "Node", "ObservedTarget", "StaticTarget", "TargetReader", "join"]
