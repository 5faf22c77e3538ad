"""Rendering of result objects: human text and JSON documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dot.cli.terminal import Terminal
from dot.model import (
    Adopt,
    Backup,
    Conflict,
    ConflictKind,
    CopyBack,
    Delete,
    Link,
    Mkdir,
    Operation,
    Restore,
    Rmdir,
    Take,
    Unlink,
    verb,
)
from dot.results import RunResult

VERB_ORDER = (
    "link",
    "unlink",
    "mkdir",
    "rmdir",
    "move",
    "backup",
    "delete",
    "adopt",
    "restore",
    "copy",
)

_KIND_TEXT = {
    ConflictKind.EXISTING: "existing {existing} in the way",
    ConflictKind.FOREIGN_LINK: "symlink to somewhere else ({detail})",
    ConflictKind.OTHER_PACKAGE: "link owned by package {detail}",
    ConflictKind.TYPE_CLASH: "package has a {wanted}, target has a {existing}",
    ConflictKind.PROTECTED: "{detail}: never touched",
}


def operation_line(op: Operation, term: Terminal) -> str:
    """One line describing an operation, as in dry-run output."""
    name = verb(op)
    label = term.style(f"{name:<7}", _VERB_STYLE.get(name, "bold"))
    match op:
        case Link(path=path, text=text):
            return f"{label} {path} -> {text}"
        case Unlink(path=path, text=text):
            return f"{label} {path} -> {text}"
        case Mkdir(path=path) | Rmdir(path=path):
            return f"{label} {path}/"
        case Backup(path=path, dest=dest):
            return f"{label} {path} => {dest}"
        case Delete(path=path, existing=existing):
            return f"{label} {path} ({existing.value})"
        case Adopt(path=path, package=package, source=source):
            return f"{label} {path} => {package}/{source}"
        case Take(path=path, package=package, source=source):
            return f"{label} {path} => {package}/{source}"
        case Restore(path=path, backup=backup):
            return f"{label} {path} <= {backup}"
        case CopyBack(path=path, package=package, source=source):
            return f"{label} {path} <= {package}/{source}"


_VERB_STYLE = {
    "link": "green",
    "mkdir": "green",
    "unlink": "red",
    "rmdir": "red",
    "delete": "red",
    "backup": "yellow",
    "adopt": "yellow",
    "move": "yellow",
    "restore": "cyan",
    "copy": "cyan",
}


def counts_phrase(counts: dict[str, int]) -> str:
    """'3 links, 1 mkdir' in a fixed order."""
    parts = []
    for name in VERB_ORDER:
        count = counts.get(name, 0)
        if count:
            parts.append(f"{name} {count}")
    return ", ".join(parts)


def _elapsed(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def conflict_text(conflict: Conflict) -> str:
    """What is in the way, in words."""
    if conflict.holds:
        return f"a directory package {conflict.detail} needs (its links are inside)"
    if conflict.in_run:
        return f"package {conflict.detail} of this same run wants it too"
    return _KIND_TEXT[conflict.kind].format(
        existing=conflict.existing.value, wanted=conflict.wanted.value, detail=conflict.detail
    )


def conflict_line(conflict: Conflict) -> str:
    """One line describing a conflict: path, kind, what is there, who wanted it."""
    text = conflict_text(conflict)
    return f"{conflict.path}  [{conflict.kind.value}] {text} (wanted by {conflict.package})"


def render_run(result: RunResult, term: Terminal) -> None:
    """Human output of manage / unmanage / remanage."""
    ops = result.operations
    if result.dry_run or term.verbose:
        for op in ops:
            line = operation_line(op, term)
            if result.dry_run:
                term.info(line)
            else:
                term.detail(line)
    if term.verbose >= 2:
        for claim in result.plan.claims:
            term.detail(f"{term.style('keep   ', 'dim')} {claim.path} -> {claim.text}", 2)
        if ops and not result.dry_run:
            threads = "1 thread" if result.workers == 1 else f"{result.workers} threads"
            term.detail(f"executed on {threads}", 2)
        for cache in result.caches:
            if cache.hits or cache.misses:
                term.detail(
                    f"cache {cache.name}: {cache.hits} hits, {cache.misses} misses "
                    f"({cache.ratio:.0%} hit rate)",
                    2,
                )
    for conflict in result.skipped:
        term.warn(f"skipped {conflict_line(conflict)}")
    for note in result.plan.notes:
        term.warn(note)
    term.info(summary_line(result))


def summary_line(result: RunResult) -> str:
    """The one-line summary of a run."""
    names = (
        " ".join(result.packages)
        if len(result.packages) <= 5
        else (f"{len(result.packages)} packages")
    )
    head = f"{result.command} {names}".strip()
    counts = counts_phrase(result.summary.counts)
    total = len(result.operations)
    noun = "operation" if total == 1 else "operations"
    took = _elapsed(result.elapsed)
    skipped = f"; {len(result.skipped)} skipped" if result.skipped else ""
    if result.dry_run:
        if not total:
            return f"dry run: {head}: nothing to do{skipped}"
        return f"dry run: {head}: would run {total} {noun} ({counts}){skipped}; nothing was changed"
    if not total:
        if result.manifest_written:
            # Nothing on disk changed, but the manifest learnt something (links GNU
            # Stow made, a file's new content): say so rather than "nothing to do",
            # even when some of the packages were up to date.
            return f"{head}: no changes to the target; the manifest was updated{skipped} ({took})"
        if result.command == "remanage" and result.up_to_date:
            return f"{head}: up to date, no changes ({took})"
        return f"{head}: nothing to do, no changes{skipped} ({took})"
    return f"{head}: {total} {noun} ({counts}){skipped} in {took}"


def render_conflicts(conflicts: Sequence[Conflict], term: Terminal) -> None:
    """The conflict list that follows a ConflictError's error line."""
    width = max((len(c.path) for c in conflicts), default=0)
    for conflict in conflicts:
        text = conflict_text(conflict)
        kind = term.style(f"{conflict.kind.value:<13}", "yellow")
        term.note(f"  {conflict.path:<{width}}  {kind} {text} (wanted by {conflict.package})")


# --- JSON ----------------------------------------------------------------------


def operation_json(op: Operation) -> dict[str, Any]:
    """An operation as a JSON object (schema in docs/json.md)."""
    doc: dict[str, Any] = {"op": verb(op), "path": op.path}
    match op:
        case Link(text=text, package=package, source=source, kind=kind):
            doc.update(text=text, package=package, source=source, kind=kind.value)
        case Unlink(text=text, package=package):
            doc.update(text=text, package=package)
        case Mkdir(package=package):
            doc.update(package=package)
        case Backup(dest=dest, package=package, existing=existing):
            doc.update(dest=dest, package=package, existing=existing.value)
        case Delete(existing=existing):
            doc.update(existing=existing.value)
        case Adopt(package=package, source=source, stash=stash):
            doc.update(package=package, source=source, stash=stash)
        case Take(package=package, source=source, dest=dest):
            doc.update(package=package, source=source, dest=dest)
        case Restore(backup=backup, package=package):
            doc.update(backup=backup, package=package)
        case CopyBack(package=package, source=source):
            doc.update(package=package, source=source)
        case Rmdir():
            pass
    return doc


def conflict_json(conflict: Conflict) -> dict[str, Any]:
    """A conflict as a JSON object."""
    return {
        "path": conflict.path,
        "kind": conflict.kind.value,
        "existing": conflict.existing.value,
        "wanted": conflict.wanted.value,
        "package": conflict.package,
        "source": conflict.source,
        "detail": conflict.detail,
        "in_run": conflict.in_run,
        "holds": conflict.holds,
    }


def run_json(result: RunResult) -> dict[str, Any]:
    """The JSON document of manage / unmanage / remanage."""
    return {
        "command": result.command,
        "packages": list(result.packages),
        "dry_run": result.dry_run,
        "changed": result.changed,
        "operations": [operation_json(op) for op in result.operations],
        "summary": {name: result.summary.counts.get(name, 0) for name in VERB_ORDER},
        "skipped": [conflict_json(c) for c in result.skipped],
        "up_to_date": list(result.up_to_date),
        "notes": list(result.plan.notes),
        "manifest_written": result.manifest_written,
        "elapsed_ms": round(result.elapsed * 1000, 3),
        "caches": {c.name: {"hits": c.hits, "misses": c.misses} for c in result.caches},
    }
