"""Values that flow through the pipeline: node kinds, operations, conflicts, plans.

Target paths in operations are relative to the target directory ("" is the target
itself, components separated by "/"); a path outside the target (a backup kept
elsewhere) is absolute. Package sources are relative to the package directory.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from dot.values import field, value


class Kind(StrEnum):
    """What a path is, judged without following a final symlink."""

    MISSING = "missing"
    FILE = "file"
    DIR = "dir"
    LINK = "link"
    OTHER = "other"  # fifo, socket, device


# `kind.value` goes through the enum machinery on every access; hot loops (journal,
# manifest, shape digests) look it up here instead.
KIND_VALUE: dict[Kind, str] = {kind: kind.value for kind in Kind}


class Policy(StrEnum):
    """What to do with an obstacle where a link must go (DESIGN.md section 4)."""

    FAIL = "fail"
    SKIP = "skip"
    BACKUP = "backup"
    OVERWRITE = "overwrite"
    ADOPT = "adopt"


class ConflictKind(StrEnum):
    """Why a path cannot simply be linked."""

    EXISTING = "existing"  # a file, directory or special file is in the way
    FOREIGN_LINK = "foreign-link"  # a symlink that points outside the package directory
    OTHER_PACKAGE = "other-package"  # a link owned by another package
    TYPE_CLASH = "type-clash"  # directory in the package, file in the target, or the reverse
    PROTECTED = "protected"  # dot's own state or the package directory itself


@value
class Conflict:
    """An obstacle found while planning; `empty` tells whether a directory is empty."""

    path: str
    kind: ConflictKind
    existing: Kind
    package: str
    source: str
    wanted: Kind  # what the package has there (file or directory)
    detail: str = ""  # link text, owning package, or why the path is protected
    empty: bool = False
    # The obstacle is another package's work that only `skip` may pass: a path another
    # package of this same run wants, or (with `holds`) a directory holding another
    # package's links or kept directories, this run's or an installed package's.
    in_run: bool = False
    holds: bool = False


# --- operations --------------------------------------------------------------


@value
class Link:
    """Create a symlink at `path` whose text is `text`, owned by `package`."""

    path: str
    text: str
    package: str
    source: str
    kind: Kind  # FILE or DIR: what the link stands for (a folded directory is DIR)


@value
class Unlink:
    """Remove the symlink at `path`, which must still read `text`."""

    path: str
    text: str
    package: str | None  # the owner, when the link resolves into a package


@value
class Mkdir:
    """Create the directory `path`; `package` is None for dot's own state directories.

    `mode`, when given, is the permission bits of the package directory it mirrors
    (an adopted 0700 ~/.ssh stays 0700).
    """

    path: str
    package: str | None
    mode: int | None = None


@value
class Rmdir:
    """Remove the empty directory `path` that dot created."""

    path: str


@value
class Backup:
    """Move the obstacle at `path` to `dest` (policy `backup`)."""

    path: str
    dest: str
    package: str
    existing: Kind


@value
class Delete:
    """Remove the obstacle at `path` (policy `overwrite`); kept aside until commit."""

    path: str
    existing: Kind


@value
class Adopt:
    """Move the file at `path` into the package as `source`; the old copy goes to `stash`."""

    path: str
    package: str
    source: str
    stash: str


@value
class Take:
    """Move the item at `path` into the package as `source` (absolute `dest`): `dot adopt`."""

    path: str
    package: str
    source: str
    dest: str


@value
class Restore:
    """Move a backup from `backup` back to `path`; prune emptied backup dirs up to `root`."""

    path: str
    backup: str
    package: str
    root: str


@value
class CopyBack:
    """Put a real copy (file or whole tree) of the package's `source` at `path`.

    This undoes an adoption: the user's files come back, the package keeps its copy.
    """

    path: str
    package: str
    source: str


@value
class Clear:
    """Placeholder for removing the obstacle of `conflict`; only the resolver sees it."""

    conflict: Conflict

    @property
    def path(self) -> str:
        return self.conflict.path


Operation = Link | Unlink | Mkdir | Rmdir | Backup | Delete | Adopt | Take | Restore | CopyBack
DraftOperation = Operation | Clear


@value
class Claim:
    """An existing link that is already right and now belongs to `package` (no write)."""

    path: str
    text: str
    package: str
    source: str
    kind: Kind


@value
class Draft:
    """What the planner wants, before the conflict policy is applied."""

    operations: tuple[DraftOperation, ...]
    claims: tuple[Claim, ...]
    conflicts: tuple[Conflict, ...]
    notes: tuple[str, ...] = ()
    kept: tuple[tuple[str, str], ...] = ()  # (path, package): empty package directories
    orphans: tuple[Any, ...] = ()  # manifest.Orphan: backups waiting for their path


@value
class Plan:
    """Operations ready to execute, plus what the policy skipped."""

    operations: tuple[Operation, ...]
    claims: tuple[Claim, ...] = ()
    skipped: tuple[Conflict, ...] = ()
    resolved: tuple[Conflict, ...] = ()
    notes: tuple[str, ...] = ()
    kept: tuple[tuple[str, str], ...] = ()
    orphans: tuple[Any, ...] = ()  # manifest.Orphan: backups waiting for their path

    @property
    def is_empty(self) -> bool:
        return not self.operations


@value
class Levels:
    """Operations grouped into levels; operations within one level are independent."""

    levels: tuple[tuple[Operation, ...], ...]

    @property
    def count(self) -> int:
        return sum(len(level) for level in self.levels)

    def flat(self) -> tuple[Operation, ...]:
        return tuple(op for level in self.levels for op in level)


@value
class Summary:
    """Counts of what a plan does, by kind of operation."""

    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, operations: tuple[Operation, ...]) -> Summary:
        counts: dict[str, int] = {}
        for op in operations:
            name = verb(op)
            counts[name] = counts.get(name, 0) + 1
        return cls(counts)


def verb(op: DraftOperation) -> str:
    """The short name of an operation, as shown to users and in JSON."""
    match op:
        case Link():
            return "link"
        case Unlink():
            return "unlink"
        case Mkdir():
            return "mkdir"
        case Rmdir():
            return "rmdir"
        case Backup():
            return "backup"
        case Delete():
            return "delete"
        case Adopt():
            return "adopt"
        case Take():
            return "move"
        case Restore():
            return "restore"
        case CopyBack():
            return "copy"
        case Clear():
            return "clear"
