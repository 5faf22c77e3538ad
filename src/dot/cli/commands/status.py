"""`dot status [PKG...]`, `dot list` and `dot doctor`: the read-only views."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from dot.choices import DEFAULT_DOCTOR_DEPTH, SORT_KEYS
from dot.cli.commands import Decorator, complete_installed

if TYPE_CHECKING:
    from dot.cli.session import Session


def register(group: click.Group, with_session: Decorator) -> None:
    @group.command()
    @click.argument("packages", nargs=-1, metavar="[PKG...]", shell_complete=complete_installed)
    @with_session
    def status(session: Session, packages: tuple[str, ...]) -> int:
        """Show installed packages, their links and each link's health.

        Health is one of: ok, missing, wrong-target (a link pointing elsewhere),
        replaced (a file or directory where the link was), broken (the package
        file is gone). Never changes anything and never waits for a lock.
        """
        from dot.cli import report

        result = session.service().status(packages)
        _show(session, result, report.status_text, report.status_table, report.status_json)
        return 0

    @group.command(name="list")
    @click.option(
        "--sort",
        type=click.Choice(SORT_KEYS),
        default="name",
        show_default=True,
        help="Order by package name, number of links (most first) or install date.",
    )
    @with_session
    def list_(session: Session, sort: str) -> int:
        """List installed packages with their link count and install date."""
        from dot.cli import report

        result = session.service().inventory(sort)
        _show(session, result, report.list_text, report.list_table, report.list_json)
        return 0

    @group.command()
    @click.option("--fix", is_flag=True, help="Repair what is safe and report each fix.")
    @click.option(
        "--depth",
        type=click.IntRange(min=1, max=64),
        default=DEFAULT_DOCTOR_DEPTH,
        show_default=True,
        help="How many directory levels below the target to search for stray links.",
    )
    @with_session
    def doctor(session: Session, fix: bool, depth: int) -> int:
        """Check links, the manifest and the package directory; exit 1 on problems.

        Finds missing, wrong, replaced and broken links, dangling or unrecorded
        links into the package directory, packages whose directory is gone, and a
        corrupt manifest. --fix re-links, removes dangling links dot owns, records
        correct links nobody recorded, and rebuilds a lost or corrupt manifest from
        the links on disk. Files that are not dot's links are never touched.
        """
        from dot.cli import report

        result = session.service().doctor(fix=fix, depth=depth)
        _show(session, result, report.doctor_text, report.doctor_table, report.doctor_json)
        return 0 if result.healthy or (result.run is not None and result.run.dry_run) else 1


def _show(session, result, text, table, as_json) -> None:  # type: ignore[no-untyped-def]
    session.close()
    fmt = session.options.format
    if session.json:
        session.terminal.emit_json(as_json(result))
    elif fmt == "table":
        table(result, session.terminal)
    else:
        text(result, session.terminal)
