"""The root command group: global options, the commands, and `main`."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from dot import __version__
from dot.cli import boundary, profiling
from dot.cli.options import Globals, given, global_options
from dot.cli.session import Session


def with_session(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the merged global options (before and after its name) as a Session."""

    @functools.wraps(func)
    def wrapper(*args: Any, **params: Any) -> Any:
        ctx = click.get_current_context()
        before = ctx.obj if isinstance(ctx.obj, Globals) else Globals()
        session = Session(before.merged(given(ctx, params)))
        boundary.Current.terminal = session.terminal
        boundary.Current.debug = bool(session.options.debug) or session.options.verbose >= 3
        try:
            # Inside the error boundary: a command that fails still leaves its profile.
            with profiling.profiled(profiling.Request.of(session.options), session.terminal.warn):
                return func(session, *args, **params)
        finally:
            session.close()

    return global_options(wrapper)


def version_text() -> str:
    import platform

    return (
        f"dot {__version__} (Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()})"
    )


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit(0)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@global_options
@click.pass_context
def cli(ctx: click.Context, /, **params: Any) -> None:
    """dot: a safe, fast, Stow-compatible dotfile manager.

    Packages are directories in the package directory (--dir); dot links their
    contents into the target (--target, default $HOME). Global options may come
    before or after the command name.
    """
    ctx.obj = given(ctx, params)


def _register() -> None:
    from dot.cli.commands import adopt, completion, manage, status, unmanage, version

    for module in (manage, unmanage, adopt, status, version, completion):
        module.register(cli, with_session)


_register()


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The console-script entry point."""
    sys.exit(boundary.run(cli, argv))
