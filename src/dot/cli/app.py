"""The root command group: global options, the commands, and `main`."""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from dot import __version__
from dot.cli import boundary
from dot.cli.options import Globals, given, global_options


def with_session(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the merged global options (before and after its name) as a Session."""

    @functools.wraps(func)
    def wrapper(*args: Any, **params: Any) -> Any:
        # Imported here, not at the top: `dot --version` and `--help` never need them.
        from dot.cli.session import Session

        ctx = click.get_current_context()
        before = ctx.obj if isinstance(ctx.obj, Globals) else Globals()
        session = Session(before.merged(given(ctx, params)))
        boundary.Current.terminal = session.terminal
        boundary.Current.debug = bool(session.options.debug) or session.options.verbose >= 3
        options = session.options
        wanted = (options.cpuprofile, options.memprofile, options.threadprofile)
        try:
            if not any(wanted) and not options.profile_html:
                return func(session, *args, **params)  # the profilers stay unimported
            from dot.cli import profiling

            # Inside the error boundary: a command that fails still leaves its profile.
            with profiling.profiled(profiling.Request.of(options), session.terminal.warn):
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


# Command name -> the module in dot.cli.commands that defines it. Modules are
# imported when their command is used (or listed by --help), so start-up pays
# for click and the root group only.
_COMMANDS = {
    "manage": "manage",
    "unmanage": "unmanage",
    "remanage": "unmanage",
    "adopt": "adopt",
    "status": "status",
    "list": "status",
    "doctor": "status",
    "version": "version",
    "completion": "completion",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            module = importlib.import_module(f"dot.cli.commands.{_COMMANDS[cmd_name]}")
            module.register(self, with_session)
        return self.commands.get(cmd_name)


@click.group(
    cls=LazyGroup,
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


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the CLI and exit (through SystemExit: callers in the same process, such as
    tests, get the exit code)."""
    sys.exit(boundary.run(cli, argv))


def console() -> NoReturn:
    """The console-script entry point (and `python -m dot`): like `main`, but the
    process ends at once, without the interpreter's teardown, and runs without the
    cyclic garbage collector: a command lasts a second at most and makes next to no
    reference cycles, while collecting walked its hundreds of thousands of records
    again and again (5-15% of a large run; peak memory moved by 0.4 MB)."""
    import gc

    gc.disable()
    boundary.leave(boundary.run(cli, None))
