"""`dot completion bash|zsh|fish`: print the shell completion script."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from dot.cli.commands import Decorator
from dot.cli.completion import SHELLS, script

if TYPE_CHECKING:
    from dot.cli.session import Session


def register(group: click.Group, with_session: Decorator) -> None:
    @group.command()
    @click.argument("shell", type=click.Choice(SHELLS))
    @with_session
    def completion(session: Session, shell: str) -> int:
        """Print the completion script for SHELL (package names complete too).

        \b
        bash:  eval "$(dot completion bash)"        in ~/.bashrc
        zsh:   eval "$(dot completion zsh)"         in ~/.zshrc
        fish:  dot completion fish > ~/.config/fish/completions/dot.fish
        """
        text = script(click.get_current_context().find_root().command, shell)
        # JSON only when asked for on the command line: a `format = "json"` setting
        # (or DOT_FORMAT) must not break `eval "$(dot completion bash)"`.
        if session.flags.format == "json":
            session.terminal.emit_json({"shell": shell, "script": text})
        else:
            click.echo(text)
        return 0
