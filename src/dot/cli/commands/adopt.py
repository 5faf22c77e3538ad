"""`dot adopt [PKG] PATH...`: take existing files into a package and link them back."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from dot.cli.commands import Decorator, show_run
from dot.paths import validate_package_name

if TYPE_CHECKING:
    from dot.cli.session import Session


def split_arguments(
    arguments: tuple[str, ...], package: str | None, package_dir: str
) -> tuple[str | None, list[str]]:
    """Tell `PKG PATH...` from `PATH...`: a first argument is the package when more
    arguments follow, it is a plain name, and it names an existing package or no
    path here (run from the package directory, `vim` is both: it is the package)."""
    items = list(arguments)
    if package is None and len(items) >= 2:
        first = items[0]
        if validate_package_name(first) is None and (
            not os.path.lexists(first) or os.path.isdir(os.path.join(package_dir, first))
        ):
            return first, items[1:]
    return package, items


def register(group: click.Group, with_session: Decorator) -> None:
    @group.command()
    @click.argument("arguments", nargs=-1, required=True, metavar="[PKG] PATH...")
    @click.option(
        "-p",
        "--package",
        metavar="PKG",
        help="The package to adopt into (default: the first argument when it names no "
        "existing path, else derived from the first path: ~/.vimrc -> vimrc, "
        "~/.config/nvim -> nvim).",
    )
    @with_session
    def adopt(session: Session, arguments: tuple[str, ...], package: str | None) -> int:
        """Move existing files or directories into a package, then link them back.

        Paths are absolute or relative to the current directory and must lie in the
        target. Names are stored with 'dot-' translation (~/.config/nvim goes to
        PKG/dot-config/nvim), so managing the package maps them back to the same
        place. The package is created when needed and recorded as adopted;
        `dot unmanage PKG` later puts real copies back where they were.
        """
        name, paths = split_arguments(arguments, package, session.config().dir)
        absolute = [os.path.abspath(os.path.expanduser(p)) for p in paths]
        return show_run(session, session.service().adopt(name, absolute))
