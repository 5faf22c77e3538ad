"""`dot version`: version, Python version and platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from dot.cli.commands import Decorator

if TYPE_CHECKING:
    from dot.cli.session import Session


def register(group: click.Group, with_session: Decorator) -> None:
    @group.command()
    @with_session
    def version(session: Session) -> int:
        """Show the version of dot, Python and the platform."""
        import platform

        from dot import __version__

        if session.json:
            session.terminal.emit_json(
                {
                    "version": __version__,
                    "python": platform.python_version(),
                    "platform": f"{platform.system()} {platform.machine()}",
                }
            )
        else:
            from dot.cli.app import version_text

            click.echo(version_text())
        return 0
