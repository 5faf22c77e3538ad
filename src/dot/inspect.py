"""Read-only inspection: the health of recorded links, and links found on disk.

Used by `status` (per package health) and `doctor` (health, orphans, drift). Only
reads; never takes the lock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from enum import StrEnum

from dot.fs.port import FileSystem, kind_at, kind_of_entry
from dot.manifest import LinkRecord
from dot.model import Kind
from dot.paths import Layout
from dot.values import value


class Health(StrEnum):
    """The state of one recorded link."""

    OK = "ok"
    MISSING = "missing"  # nothing at the path
    WRONG = "wrong-target"  # a link that points somewhere else
    REPLACED = "replaced"  # a file or directory where the link was
    BROKEN = "broken"  # the link is right but its source is gone from the package


@value
class LinkHealth:
    """A recorded link and what is on disk now."""

    path: str
    text: str
    source: str
    kind: Kind
    health: Health
    actual: str = ""  # the link text on disk when it differs, or what replaced it


def link_health(
    fs: FileSystem, layout: Layout, package: str, path: str, record: LinkRecord
) -> LinkHealth:
    """Compare a recorded link with the target."""
    full = layout.abs(path)
    kind = kind_at(fs, full)

    def result(health: Health, actual: str = "") -> LinkHealth:
        return LinkHealth(path, record.text, record.source, record.kind, health, actual)

    if kind is Kind.MISSING:
        return result(Health.MISSING)
    if kind is not Kind.LINK:
        return result(Health.REPLACED, kind.value)
    text = fs.readlink(full)
    owner = layout.owner(path, text)
    if text != record.text and (
        owner is None or (owner.package, owner.source) != (package, record.source)
    ):
        return result(Health.WRONG, text)
    if kind_at(fs, layout.source_abs(package, record.source)) is Kind.MISSING:
        return result(Health.BROKEN)
    return result(Health.OK)


# Directories never worth walking for dot's links.
SKIP_NAMES = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".cache", ".dot-backup", ".dot-trash"}
)


@value
class FoundLink:
    """A symlink found on disk below the target."""

    path: str
    text: str


def walk_links(
    fs: FileSystem, layout: Layout, max_depth: int, extra: frozenset[str] = frozenset()
) -> Iterator[FoundLink]:
    """Symlinks below the target, breadth first, at most `max_depth` levels deep.

    Symlinked directories are not followed; the package directory, dot's own
    state and caches are skipped. Directories in `extra` are walked whatever their
    depth (the directories dot created, which hold its links).
    """
    wanted: set[str] = set()
    for item in extra:  # the directories themselves and every directory above them
        while item and item not in wanted:
            wanted.add(item)
            item = item.rpartition("/")[0]
    queue: deque[tuple[str, int]] = deque([("", 0)])
    seen: set[str] = set()
    while queue:
        rel, depth = queue.popleft()
        if rel in seen:
            continue
        seen.add(rel)
        try:
            entries = list(fs.scandir(layout.abs(rel)))
        except OSError:
            continue  # unreadable or vanished: not ours to judge
        for entry in entries:
            path = f"{rel}/{entry.name}" if rel else entry.name
            kind = kind_of_entry(entry)
            if kind is Kind.LINK:
                try:
                    yield FoundLink(path, fs.readlink(entry.path))
                except OSError:
                    continue
            elif kind is Kind.DIR:
                if entry.name in SKIP_NAMES or layout.inside_dir(path):
                    continue
                if depth + 1 < max_depth or path in wanted:
                    queue.append((path, depth + 1))
