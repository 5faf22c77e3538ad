"""The composition root of one invocation: merged options -> Config, Terminal, service."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from dot.cli.options import Globals
from dot.cli.terminal import Terminal, wants_color
from dot.errors import UsageError
from dot.fs.port import FileSystem
from dot.model import Policy
from dot.service import Config, Dot


def expand_path(value: str, cwd: str | None = None) -> str:
    """Expand `~` and `$VARS`, then make absolute (relative to `cwd`)."""
    expanded = os.path.expandvars(os.path.expanduser(value))
    if not os.path.isabs(expanded):
        expanded = os.path.join(cwd or os.getcwd(), expanded)
    return os.path.normpath(expanded)


@dataclass
class Session:
    """Everything a command needs, built once from the merged global options."""

    options: Globals
    fs: FileSystem | None = None
    terminal: Terminal = field(init=False)

    def __post_init__(self) -> None:
        opts = self.options
        json_mode = opts.format == "json"
        self.terminal = Terminal(
            color=wants_color(opts.color, sys.stdout) and not json_mode,
            verbose=opts.verbose,
            quiet=bool(opts.quiet),
            json_mode=json_mode,
        )

    @property
    def json(self) -> bool:
        return self.options.format == "json"

    def filesystem(self) -> FileSystem:
        if self.fs is None:
            from dot.fs.local import LocalFileSystem

            self.fs = LocalFileSystem()
        return self.fs

    def config(self) -> Config:
        """Merge flags with defaults into the core's Config."""
        opts = self.options
        home = os.environ.get("HOME") or os.path.expanduser("~")
        directory = expand_path(opts.dir) if opts.dir else os.getcwd()
        target = expand_path(opts.target) if opts.target else expand_path(home)
        if opts.jobs is not None and opts.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        return Config(
            dir=directory,
            target=target,
            dry_run=bool(opts.dry_run),
            absolute=bool(opts.absolute),
            folding=opts.folding if opts.folding is not None else True,
            dotfiles=opts.dotfiles if opts.dotfiles is not None else True,
            package_name_mapping=bool(opts.package_name_mapping),
            ignore=opts.ignore,
            override=opts.override,
            policy=Policy(opts.on_conflict) if opts.on_conflict else Policy.FAIL,
            backup_dir=expand_path(opts.backup_dir) if opts.backup_dir else None,
            manifest=expand_path(opts.manifest) if opts.manifest else None,
            jobs=opts.jobs,
            wait=bool(opts.wait),
            global_ignore=os.path.join(xdg, "dot", "ignore"),
        )

    def service(self) -> Dot:
        return Dot(self.filesystem(), self.config())
