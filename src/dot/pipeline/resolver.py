"""Resolver: pure. Applies the conflict policy to a Draft and returns a Plan.

Every conflict was planned "as if the obstacle were gone" (a Clear placeholder plus
the operations below it). The policy turns the placeholder into a concrete move
or deletion, or drops the whole subtree (skip). A conflict the policy cannot
resolve stops everything: ConflictError, nothing changes.
"""

from __future__ import annotations

from dot.errors import ConflictError
from dot.model import (
    Adopt,
    Backup,
    Clear,
    Conflict,
    ConflictKind,
    Delete,
    Draft,
    Kind,
    Link,
    Operation,
    Plan,
    Policy,
)
from dot.values import replace


def resolve(draft: Draft, policy: Policy, backup_dir: str) -> Plan:
    """Apply `policy`; `backup_dir` is this run's absolute backup directory."""
    if draft.conflicts and policy is Policy.FAIL:
        raise ConflictError(draft.conflicts, policy.value)
    replacement: dict[str, Operation | None] = {}
    unresolved: list[Conflict] = []
    skipped: list[Conflict] = []
    for conflict in draft.conflicts:
        if policy is Policy.SKIP:
            skipped.append(conflict)
            if not conflict.in_run:  # else nothing of this package was planned there
                replacement[conflict.path] = None
            continue
        op = _remedy(conflict, policy, backup_dir)
        if op is None:
            unresolved.append(conflict)
        else:
            replacement[conflict.path] = op
    if unresolved:
        raise ConflictError(unresolved, policy.value)

    operations: list[Operation] = []
    dropped = {path for path, remedy in replacement.items() if remedy is None}
    by_path = {c.path: c for c in skipped}
    behind: dict[tuple[str, str], Conflict] = {}
    for item in draft.operations:
        if dropped and _below(item.path, dropped):
            # Another package's work below a skipped path is skipped too: say so.
            owner = getattr(item, "package", None)
            root = _root(item.path, dropped)
            cause = by_path[root]
            if owner and owner != cause.package:
                known = behind.get((root, owner))
                source = _source(item, root)
                if known is None or (source and not known.source):
                    at_root = isinstance(item, Link) and item.path == root
                    behind[(root, owner)] = replace(
                        cause,
                        package=owner,
                        source=source,
                        wanted=item.kind if isinstance(item, Link) and at_root else Kind.DIR,
                        below=cause.package,
                    )
            continue
        if isinstance(item, Clear):
            remedy = replacement.get(item.path)
            if remedy is not None:
                operations.append(remedy)
            continue
        operations.append(item)
    resolved = tuple(
        c for c in draft.conflicts if not c.in_run and replacement.get(c.path) is not None
    )
    kept = tuple((path, package) for path, package in draft.kept if not _below(path, dropped))
    skipped.extend(behind.values())
    return Plan(
        tuple(operations), draft.claims, tuple(skipped), resolved, draft.notes, kept, draft.orphans
    )


def _source(item: object, root: str) -> str:
    """Where in its package the work at or below `root` comes from, at `root`'s level."""
    source: str = getattr(item, "source", "")
    depth = getattr(item, "path", root).count("/") - root.count("/")
    for _ in range(depth):
        source = source.rpartition("/")[0]
    return source


def _root(path: str, roots: set[str]) -> str:
    """The member of `roots` that `path` lies at or below."""
    while path not in roots:
        path = path.rpartition("/")[0]
    return path


def _below(path: str, roots: set[str]) -> bool:
    """True when `path` or one of its ancestors is in `roots` (cost: its depth)."""
    while path:
        if path in roots:
            return True
        path = path.rpartition("/")[0]
    return False


def _remedy(conflict: Conflict, policy: Policy, backup_dir: str) -> Operation | None:
    """The operation that removes the obstacle under `policy`, None when impossible."""
    if conflict.kind in (ConflictKind.PROTECTED, ConflictKind.OTHER_PACKAGE) or conflict.in_run:
        # dot's own state, and another package's link: moving that away would break
        # the other package behind its back (unmanage it first, or use skip).
        return None
    if policy is Policy.BACKUP:
        dest = f"{backup_dir}/{conflict.path}"
        return Backup(conflict.path, dest, conflict.package, conflict.existing)
    if policy is Policy.OVERWRITE:
        if conflict.existing is Kind.DIR and not conflict.empty:
            return None  # never delete a non-empty directory
        return Delete(conflict.path, conflict.existing)
    if policy is Policy.ADOPT:
        if conflict.existing is not Kind.FILE or conflict.wanted is not Kind.FILE:
            return None  # only a regular file can take the place of a package file
        stash = f"{backup_dir}-adopted/{conflict.package}/{conflict.source}"
        return Adopt(conflict.path, conflict.package, conflict.source, stash)
    return None
