"""Rendering of the read-only commands: status, list, doctor (text, table, JSON)."""

from __future__ import annotations

from typing import Any

from dot.cli.terminal import Terminal
from dot.doctor import EXPLAIN, Finding
from dot.inspect import Health, LinkHealth
from dot.results import DoctorResult, ListResult, PackageStatus, StatusResult

_HEALTH_STYLE = {
    Health.OK: "green",
    Health.MISSING: "red",
    Health.WRONG: "red",
    Health.REPLACED: "yellow",
    Health.BROKEN: "red",
}


def when(iso: str) -> str:
    """'2026-11-25T12:00:00Z' -> '2026-11-25 12:00:00 UTC'."""
    return iso.replace("T", " ").replace("Z", " UTC") if iso else "unknown"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _counts(counts: dict[str, int]) -> str:
    order = [h.value for h in Health]
    return ", ".join(f"{counts[k]} {k}" for k in order if counts.get(k))


def _link_line(link: LinkHealth) -> str:
    text = f"{link.path} -> {link.text}"
    if link.health is Health.WRONG:
        text += f" (now -> {link.actual})"
    elif link.health is Health.REPLACED:
        text += f" (now a {link.actual})"
    return text


# --- status ------------------------------------------------------------------------


def status_text(result: StatusResult, term: Terminal) -> None:
    for orphan in result.waiting:
        term.info(
            f"{term.style('waiting', 'yellow')} {orphan.path}: the backup at {orphan.stored} "
            f"(package {orphan.package}) goes back when the path is free"
        )
    if not result.packages:
        term.info(f"nothing installed in {result.target}")
        return
    total: dict[str, int] = {}
    for package in result.packages:
        _package_text(package, term)
        for key, value in package.counts.items():
            total[key] = total.get(key, 0) + value
    links = sum(total.values())
    term.info(
        f"{_plural(len(result.packages), 'package')}, {_plural(links, 'link')}"
        + (f": {_counts(total)}" if links else "")
    )


def _package_text(package: PackageStatus, term: Terminal) -> None:
    head = term.style(package.name, "bold")
    state = f"{package.source}, installed {when(package.installed_at)}"
    if not package.present:
        state += ", package directory missing"
    summary = _counts(package.counts)
    links = f"{_plural(len(package.links), 'link')}, {summary}" if summary else "no links"
    term.info(f"{head} ({state}): {links}")
    for link in package.links:
        label = term.style(f"{link.health.value:<13}", _HEALTH_STYLE[link.health])
        term.info(f"  {label} {_link_line(link)}")


def status_json(result: StatusResult) -> dict[str, Any]:
    return {
        "dir": result.dir,
        "target": result.target,
        "healthy": result.healthy,
        "waiting": [
            {"path": o.path, "package": o.package, "stored": o.stored} for o in result.waiting
        ],
        "packages": [
            {
                "name": p.name,
                "source": p.source,
                "installed_at": p.installed_at,
                "updated_at": p.updated_at,
                "present": p.present,
                "healthy": p.healthy,
                "counts": {h.value: p.counts.get(h.value, 0) for h in Health},
                "links": [
                    {
                        "path": link.path,
                        "text": link.text,
                        "source": link.source,
                        "kind": link.kind.value,
                        "health": link.health.value,
                        "actual": link.actual,
                    }
                    for link in p.links
                ],
            }
            for p in result.packages
        ],
    }


def status_table(result: StatusResult, term: Terminal) -> None:
    rows = [
        [p.name, link.path, link.text, link.health.value]
        for p in result.packages
        for link in p.links
    ]
    table(term, ["package", "link", "points to", "health"], rows, f"status of {result.target}")


# --- list ----------------------------------------------------------------------------


def list_text(result: ListResult, term: Terminal) -> None:
    if not result.packages:
        term.info(f"nothing installed in {result.target}")
        return
    width = max(len(p.name) for p in result.packages)
    for p in result.packages:
        links = _plural(p.links, "link")
        source = "" if p.source == "managed" else f"  ({p.source})"
        term.info(f"{p.name:<{width}}  {links:>10}  installed {when(p.installed_at)}{source}")


def list_json(result: ListResult) -> dict[str, Any]:
    return {
        "dir": result.dir,
        "target": result.target,
        "sort": result.sort,
        "packages": [
            {
                "name": p.name,
                "source": p.source,
                "links": p.links,
                "installed_at": p.installed_at,
                "updated_at": p.updated_at,
            }
            for p in result.packages
        ],
    }


def list_table(result: ListResult, term: Terminal) -> None:
    rows = [[p.name, str(p.links), when(p.installed_at), p.source] for p in result.packages]
    table(term, ["package", "links", "installed", "source"], rows, f"installed in {result.target}")


# --- doctor --------------------------------------------------------------------------


def doctor_text(result: DoctorResult, term: Terminal) -> None:
    if result.run is not None and result.run.operations:
        from dot.cli.render import operation_line

        for op in result.run.operations:
            (term.info if result.run.dry_run else term.detail)(operation_line(op, term))
    width = max((len(f.path) for f in result.findings), default=0)
    dry = result.run is not None and result.run.dry_run
    for finding in result.findings:
        mark = ""
        if result.fix and not dry:
            mark = term.style("fixed ", "green") if result.is_fixed(finding) else "left  "
        problem = term.style(f"{finding.problem.value:<22}", "red" if finding.fixable else "yellow")
        term.info(f"{mark}{problem} {finding.path:<{width}}  {_finding_detail(finding)}")
    term.info(doctor_summary(result))


def _finding_detail(finding: Finding) -> str:
    parts = []
    if finding.package:
        parts.append(f"package {finding.package}")
    if finding.detail:
        parts.append(finding.detail if " " in finding.detail else f"-> {finding.detail}")
    parts.append(EXPLAIN[finding.problem])
    return "; ".join(parts)


def doctor_summary(result: DoctorResult) -> str:
    scanned = f"{_plural(result.links_scanned, 'link')} checked (depth {result.depth})"
    if not result.findings:
        return f"healthy: no problems; {scanned}"
    found = _plural(len(result.findings), "problem")
    if result.fix:
        if result.run is not None and result.run.dry_run:
            count = len(result.run.operations)
            if not count:
                return f"dry run: {found}; the fix would change nothing in the target"
            noun = "operation" if count == 1 else "operations"
            return (
                f"dry run: {found}; the fix would run the {count} {noun} above; nothing was changed"
            )
        left = len(result.remaining)
        fixed = len(result.findings) - left
        return f"{found}: {fixed} fixed, {left} left; {scanned}"
    fixable = sum(1 for f in result.findings if f.fixable)
    hint = f" ({fixable} fixable: run `dot doctor --fix`)" if fixable else ""
    return f"{found}{hint}; {scanned}"


def doctor_json(result: DoctorResult) -> dict[str, Any]:
    from dot.cli.render import operation_json

    return {
        "dir": result.dir,
        "target": result.target,
        "healthy": result.healthy,
        "fix": result.fix,
        "depth": result.depth,
        "links_scanned": result.links_scanned,
        "findings": [
            {
                "problem": f.problem.value,
                "path": f.path,
                "package": f.package,
                "detail": f.detail,
                "fixable": f.fixable,
                "fixed": result.is_fixed(f),
            }
            for f in result.findings
        ],
        "operations": [operation_json(op) for op in result.run.operations] if result.run else [],
    }


def doctor_table(result: DoctorResult, term: Terminal) -> None:
    rows = [
        [
            f.problem.value,
            f.path,
            f.package,
            "yes" if result.is_fixed(f) else ("no" if result.fix else "-"),
        ]
        for f in result.findings
    ]
    table(term, ["problem", "path", "package", "fixed"], rows, doctor_summary(result))


# --- tables ----------------------------------------------------------------------------


def table(term: Terminal, headers: list[str], rows: list[list[str]], title: str) -> None:
    """A rich table on stdout (rich is imported only here)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(
        file=term.stdout,
        force_terminal=term.color,
        no_color=not term.color,
        highlight=False,
        width=None if term.color else 100,
    )
    grid = Table(title=title, title_justify="left", show_lines=False)
    for header in headers:
        grid.add_column(header, overflow="fold")
    for row in rows:
        grid.add_row(*row)
    console.print(grid)
