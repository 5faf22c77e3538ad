"""Global options: declared once, accepted before and after the command name.

Each command repeats the global options; the value given closest to the end of
the command line wins, repeatable options add up, and `-v` counts are summed.
Only options the user actually gave count ("not given" is distinct from a
default), so configuration and environment can fill the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from dot.choices import COLORS, FORMATS, POLICIES
from dot.values import field_names, value

F = TypeVar("F", bound=Callable[..., Any])


@value
class Globals:
    """The global options the user gave (None = not given)."""

    dir: str | None = None
    target: str | None = None
    dry_run: bool | None = None
    verbose: int = 0
    quiet: bool | None = None
    color: str | None = None
    format: str | None = None
    absolute: bool | None = None
    folding: bool | None = None
    dotfiles: bool | None = None
    package_name_mapping: bool | None = None
    ignore: tuple[str, ...] = ()
    override: tuple[str, ...] = ()
    on_conflict: str | None = None
    backup_dir: str | None = None
    manifest: str | None = None
    jobs: int | None = None
    wait: bool | None = None
    debug: bool | None = None
    cpuprofile: str | None = None
    memprofile: str | None = None
    threadprofile: str | None = None
    profile_html: str | None = None

    def merged(self, later: Globals) -> Globals:
        """These options overridden by `later` (given after the command name)."""
        values: dict[str, Any] = {}
        for name in NAMES:
            mine, theirs = getattr(self, name), getattr(later, name)
            if name in ("ignore", "override"):
                values[name] = (*mine, *theirs)
            elif name == "verbose":
                values[name] = mine + theirs
            else:
                values[name] = theirs if theirs is not None else mine
        return Globals(**values)


def _options() -> list[Callable[[F], F]]:
    policies = list(POLICIES)
    return [
        click.option(
            "-d",
            "--dir",
            "dir",
            metavar="PATH",
            help="Package directory (default: config, else the current directory; "
            "status, list, doctor, unmanage and remanage use the recorded one).",
        ),
        click.option(
            "-t",
            "--target",
            metavar="PATH",
            help="Target directory (default: config, else $HOME).",
        ),
        click.option(
            "-n",
            "--dry-run",
            is_flag=True,
            default=None,
            help="Show the full plan; change nothing, write nothing.",
        ),
        click.option(
            "-v",
            "--verbose",
            count=True,
            help="List every operation (-vv: also the links kept as they are).",
        ),
        click.option("-q", "--quiet", is_flag=True, default=None, help="Print only errors."),
        click.option(
            "--color",
            type=click.Choice(COLORS),
            default=None,
            help="Colour output: auto (terminal, no NO_COLOR), always or never.",
        ),
        click.option(
            "--format",
            "format",
            type=click.Choice(FORMATS),
            default=None,
            help="Output format: text, table (status, list, doctor) or one JSON document.",
        ),
        click.option(
            "--absolute",
            is_flag=True,
            default=None,
            help="Write absolute link text instead of relative.",
        ),
        click.option(
            "--no-folding",
            "folding",
            flag_value=False,
            default=None,
            help="Create directories and link files one by one; never link a directory.",
        ),
        click.option(
            "--no-dotfiles",
            "dotfiles",
            flag_value=False,
            default=None,
            help="Do not translate 'dot-' name prefixes to '.'.",
        ),
        click.option(
            "--package-name-mapping",
            is_flag=True,
            default=None,
            help="Use the translated package name as the first target component.",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="PATTERN",
            help="Also ignore package paths matching this gitignore pattern (repeatable).",
        ),
        click.option(
            "--override",
            multiple=True,
            metavar="PATTERN",
            help="Include paths matching this pattern even if ignored (repeatable).",
        ),
        click.option(
            "--on-conflict",
            type=click.Choice(policies),
            default=None,
            help="What to do with obstacles: fail (default), skip, backup, overwrite, adopt.",
        ),
        click.option(
            "--backup-dir",
            metavar="PATH",
            help="Where --on-conflict backup keeps files (default: TARGET/.dot-backup).",
        ),
        click.option(
            "--manifest",
            metavar="PATH",
            help="Manifest file (default: TARGET/.dot-manifest.json).",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="Worker threads for big plans (default: chosen automatically).",
        ),
        click.option(
            "--wait",
            is_flag=True,
            default=None,
            help="Wait for another dot run on the same target instead of failing.",
        ),
        click.option(
            "--debug",
            is_flag=True,
            default=None,
            help="Show a traceback on unexpected errors.",
        ),
        click.option(
            "--cpuprofile",
            metavar="FILE",
            help="Write cProfile statistics of the command to FILE (python -m pstats FILE).",
        ),
        click.option(
            "--memprofile",
            metavar="FILE",
            help="Write a tracemalloc snapshot to FILE and the top allocations to FILE.txt.",
        ),
        click.option(
            "--threadprofile",
            metavar="FILE",
            help="Write the stack of every thread at the end of the run to FILE.",
        ),
        click.option(
            "--profile-html",
            metavar="FILE",
            help="Write a pyinstrument HTML report to FILE.",
        ),
    ]


NAMES = field_names(Globals)


def global_options(func: F) -> F:
    """Attach every global option to a command or group."""
    for option in reversed(_options()):
        func = option(func)
    return func


def given(ctx: click.Context, params: dict[str, Any]) -> Globals:
    """Take the global options out of `params`, keeping only those actually given."""
    values: dict[str, Any] = {}
    for name in NAMES:
        value = params.pop(name, None)
        source = ctx.get_parameter_source(name)
        if source is None or source is ParameterSource.DEFAULT:
            continue
        if name in ("ignore", "override"):
            value = tuple(value)
        values[name] = value
    return Globals(**values)
