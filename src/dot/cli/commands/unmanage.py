"""`dot unmanage PKG... | --all` and `dot remanage PKG...`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from dot.cli.commands import Decorator, complete_installed, show_run
from dot.errors import UsageError

if TYPE_CHECKING:
    from dot.cli.session import Session


def register(group: click.Group, with_session: Decorator) -> None:
    @group.command()
    @click.argument("packages", nargs=-1, metavar="PKG...", shell_complete=complete_installed)
    @click.option("--all", "everything", is_flag=True, help="Unmanage every installed package.")
    @with_session
    def unmanage(session: Session, packages: tuple[str, ...], everything: bool) -> int:
        """Remove packages' links from the target.

        Only links owned by the package go; directories dot unfolded are folded
        again, directories it created and emptied are removed, and files it backed
        up or adopted are put back.
        """
        if everything and packages:
            raise UsageError("give package names or --all, not both")
        if not everything and not packages:
            raise UsageError("missing package names (or --all)")
        return show_run(session, session.service().unmanage(packages, everything=everything))

    @group.command()
    @click.argument(
        "packages", nargs=-1, required=True, metavar="PKG...", shell_complete=complete_installed
    )
    @with_session
    def remanage(session: Session, packages: tuple[str, ...]) -> int:
        """Bring installed packages up to date, touching only what changed.

        Compares the package with the manifest (stat first, content hash only for
        files whose stat changed): with no change it writes nothing at all;
        otherwise only new, removed, missing or wrong links are changed.
        """
        return show_run(session, session.service().remanage(packages))
