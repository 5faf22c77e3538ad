"""Resolver: pure. Applies the conflict policy to a Draft and returns a Plan.

Every conflict was planned "as if the obstacle were gone" (a Clear placeholder plus
the operations below it), unless the planner knew the policy was `skip` and left
the obstacle in place. The policy turns the placeholder into a concrete move
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
    Operation,
    Plan,
    Policy,
)


def resolve(draft: Draft, policy: Policy, backup_dir: str) -> Plan:
    """Apply `policy`; `backup_dir` is this run's absolute backup directory."""
    if draft.conflicts and policy is Policy.FAIL:
        raise ConflictError(draft.conflicts, policy.value)
    replacement: dict[str, Operation | None] = {}
    unresolved: list[Conflict] = []
    skipped: list[Conflict] = []
    planned: set[str] = set()
    if policy is Policy.SKIP and draft.conflicts:
        planned = {op.path for op in draft.operations if isinstance(op, Clear)}
    for conflict in draft.conflicts:
        if policy is Policy.SKIP:
            skipped.append(conflict)
            if conflict.path in planned:  # else nothing of this package was planned there
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
    # A skipped obstacle stays: what was planned in its place goes (a draft planned
    # knowing the policy was `skip` has no such work).
    dropped = {path for path, remedy in replacement.items() if remedy is None}
    for item in draft.operations:
        if dropped and _below(item.path, dropped):
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
    return Plan(
        tuple(operations), draft.claims, tuple(skipped), resolved, draft.notes, kept, draft.orphans
    )


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
