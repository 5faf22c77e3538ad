"""Sorter: pure. Orders operations by dependency and groups them into levels.

Rules: whatever frees a path (unlink, rmdir, backup, delete, adopt, move) runs before
whatever fills it (link, mkdir, restore, copy); a directory is made before anything
inside it; everything inside a directory is removed before the directory. Each
level holds operations that do not depend on each other, so a level may run in
parallel.
"""

from __future__ import annotations

from collections.abc import Sequence

from dot.model import (
    Adopt,
    Backup,
    CopyBack,
    Delete,
    Levels,
    Link,
    Mkdir,
    Operation,
    Restore,
    Rmdir,
    Take,
    Unlink,
)
from dot.paths import parent

_FREE, _FILL, _MKDIR, _RMDIR, _INTO_PACKAGE = 1, 2, 4, 8, 16
_ROLE: dict[type, int] = {
    Unlink: _FREE,
    Rmdir: _FREE | _RMDIR,
    Backup: _FREE,
    Delete: _FREE,
    Adopt: _FREE,
    Take: _FREE | _INTO_PACKAGE,
    Link: _FILL,
    Mkdir: _FILL | _MKDIR,
    Restore: _FILL,
    CopyBack: _FILL,
}


class CycleError(RuntimeError):
    """Operations that depend on each other; a planner bug, never user input."""


def order(operations: Sequence[Operation]) -> Levels:
    """Group `operations` into dependency levels, keeping input order within a level."""
    frees: dict[str, list[int]] = {}
    frees_below: dict[str, list[int]] = {}
    mkdirs: dict[str, int] = {}
    roles = [_ROLE[type(op)] for op in operations]
    for index, op in enumerate(operations):
        role = roles[index]
        if role & _FREE:
            path = op.path
            frees.setdefault(path, []).append(index)
            frees_below.setdefault(path.rpartition("/")[0], []).append(index)
        if role & _MKDIR:
            mkdirs[op.path] = index

    none: tuple[int, ...] = ()
    deps: list[Sequence[int]] = [none] * len(operations)
    for index, op in enumerate(operations):
        role = roles[index]
        if role & _FILL:
            path = op.path
            freed = frees.get(path)
            made = mkdirs.get(path.rpartition("/")[0])
            if freed:
                deps[index] = [*freed, made] if made is not None else freed
            elif made is not None:
                deps[index] = (made,)
        elif role & _RMDIR:
            below = frees_below.get(op.path)
            if below:
                deps[index] = [i for i in below if i != index]
        if role & _INTO_PACKAGE:  # a move into the package: after the directory it goes into
            made = mkdirs.get(parent(op.dest))  # type: ignore[union-attr]
            if made is not None:
                deps[index] = [*deps[index], made]

    level = [-1] * len(operations)
    # Most operations depend on nothing, or on operations already placed: a pass in
    # path order places what fills (a directory comes before what goes into it), one
    # in reverse places what frees (a directory's contents before the directory).
    for indices in (range(len(deps)), range(len(deps) - 1, -1, -1)):
        for start in indices:
            if level[start] < 0:
                _place(start, deps[start], level)
    for start, needs in enumerate(deps):
        if level[start] >= 0 or _place(start, needs, level):
            continue
        # Iterative depth-first search: a level is one more than its deepest dependency.
        stack = [(start, iter(needs))]
        on_stack = {start}
        while stack:
            node, remaining = stack[-1]
            for dep in remaining:
                if level[dep] < 0:
                    if dep in on_stack:
                        raise CycleError(f"operations depend on each other: {operations[dep]}")
                    stack.append((dep, iter(deps[dep])))
                    on_stack.add(dep)
                    break
            else:
                stack.pop()
                on_stack.discard(node)
                level[node] = 1 + max((level[d] for d in deps[node]), default=-1)

    groups: list[list[Operation]] = [[] for _ in range(max(level, default=-1) + 1)]
    for index, op in enumerate(operations):
        groups[level[index]].append(op)
    return Levels(tuple(tuple(group) for group in groups))


def _place(index: int, needs: Sequence[int], level: list[int]) -> bool:
    """Give `index` its level if all it needs is placed; False when something is not."""
    deepest = -1
    for dep in needs:
        placed = level[dep]
        if placed < 0:
            return False
        if placed > deepest:
            deepest = placed
    level[index] = deepest + 1
    return True
