"""`dot manage PKG...`: install packages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from dot.cli.commands import Decorator, complete_available, show_run

if TYPE_CHECKING:
    from dot.cli.session import Session


def register(group: click.Group, with_session: Decorator) -> None:
    @group.command()
    @click.argument(
        "packages", nargs=-1, required=True, metavar="PKG...", shell_complete=complete_available
    )
    @with_session
    def manage(session: Session, packages: tuple[str, ...]) -> int:
        """Install packages: link their contents into the target.

        Folds directories where it can (one link for a whole directory), unfolds a
        folded directory when a second package needs it, and stops on conflicts
        unless --on-conflict says otherwise. Running it twice changes nothing.
        """
        return show_run(session, session.service().manage(packages))
