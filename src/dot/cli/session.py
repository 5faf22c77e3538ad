"""The composition root of one invocation: flags + configuration -> Config, Terminal, service.

The flags the user gave are merged with the environment, the config file and any
.stowrc (dot.config) once, when the session is made. `options` then holds the
effective value of every global option, so colour, verbosity, quiet, format and
debug honour configuration too; `flags` keeps what was typed. A configuration
error does not stop commands that need no configuration (`dot version`); it is
raised by `config()`, so every command that works on packages reports it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from dot import config as configuration
from dot.cli.options import NAMES, Globals
from dot.cli.progress import ProgressBar
from dot.cli.terminal import Terminal, wants_color
from dot.config import Settings
from dot.errors import DotError
from dot.fs.port import FileSystem
from dot.service import Config, Dot
from dot.values import replace


def given(flags: Globals) -> dict[str, Any]:
    """The options the user actually gave, by name ("not given" left out)."""
    out: dict[str, Any] = {}
    for name in NAMES:
        value = getattr(flags, name)
        if value is None or value == () or (name == "verbose" and value == 0):
            continue
        out[name] = value
    return out


def effective(flags: Globals, settings: Settings) -> Globals:
    """`flags` with every global option replaced by its merged value."""
    values = {name: getattr(settings, name) for name in NAMES if hasattr(settings, name)}
    values["on_conflict"] = settings.on_conflict.value
    return replace(flags, **values)


def presentation(flags: Globals) -> Globals:
    """`flags` plus output settings from valid DOT_* variables, to report a config error.

    A script that sets DOT_FORMAT=json still gets a JSON error document when its
    config file is broken.
    """
    try:
        environ = configuration.from_environ(configuration.World(os.environ, os.getcwd()))
    except DotError:
        return flags
    names = ("format", "color", "quiet", "debug", "verbose")
    values = {n: environ.values[n] for n in names if n in environ.values and not getattr(flags, n)}
    return replace(flags, **values)


class Session:
    """Everything a command needs, built once from the merged global options."""

    def __init__(self, options: Globals, fs: FileSystem | None = None) -> None:
        self.options = options
        self.fs = fs
        self.flags = options  # what was typed; `options` becomes the merged values
        self.settings: Settings | None = None
        self.problem: DotError | None = None
        self.progress: ProgressBar | None = None
        self.dot: Dot | None = None
        self._warned = False
        try:
            self.settings = configuration.load(given(self.flags), os.environ, os.getcwd())
        except DotError as exc:  # reported by config(); until then, show what we can
            self.problem = exc
            self.options = presentation(self.flags)
        else:
            self.options = effective(self.flags, self.settings)
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

    def merged(self) -> Settings:
        """The merged settings; raises the configuration error, if there was one."""
        if self.settings is None:
            assert self.problem is not None
            raise self.problem
        if not self._warned:
            self._warned = True
            for warning in self.settings.warnings:
                self.terminal.warn(warning)
        return self.settings

    def config(self) -> Config:
        """The core's Config from flags, environment, config file and .stowrc."""
        s = self.merged()
        return Config(
            dir=s.dir,
            target=s.target,
            dry_run=s.dry_run,
            absolute=s.absolute,
            folding=s.folding,
            dotfiles=s.dotfiles,
            package_name_mapping=s.package_name_mapping,
            ignore=s.ignore,
            override=s.override,
            policy=s.on_conflict,
            backup_dir=s.backup_dir,
            manifest=s.manifest,
            jobs=s.jobs,
            wait=s.wait,
            no_fold=s.no_fold,
            global_ignore=s.global_ignore,
            stow_ignore=s.stow_ignore,
            dir_given=s.dir_given,
        )

    def service(self) -> Dot:
        """The service, with a progress bar on stderr when someone watches a terminal."""
        config = self.config()
        if ProgressBar.wanted(sys.stderr, self.terminal.quiet, self.json):
            self.progress = ProgressBar()
            self.dot = Dot(
                self.filesystem(),
                config,
                progress=self.progress.advance,
                on_total=self.progress.start,
            )
        else:
            self.dot = Dot(self.filesystem(), config)
        return self.dot

    def close(self) -> None:
        """Stop the progress bar (if drawing), then say what the service noticed."""
        if self.progress is not None:
            self.progress.close()
            self.progress = None
        if self.dot is not None:
            for notice in self.dot.notices:
                self.terminal.warn(notice)
            self.dot.notices.clear()
