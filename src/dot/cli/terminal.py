"""One terminal object per run: where output goes, colour, verbosity.

Colour is decided once: `--color always|never`, else on only when stdout is a
terminal, `NO_COLOR` is unset and TERM is not "dumb". Human messages go to
stdout, errors and warnings to stderr; in JSON mode stdout carries exactly one
JSON document and nothing else.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO


def wants_color(choice: str | None, stream: TextIO) -> bool:
    """The colour decision for `stream`, given the --color choice."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_STYLES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


class Terminal:
    """Writes human output and JSON; knows verbosity, quietness and colour."""

    def __init__(
        self,
        *,
        color: bool = False,
        verbose: int = 0,
        quiet: bool = False,
        json_mode: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.color = color
        self.verbose = verbose
        self.quiet = quiet
        self.json_mode = json_mode
        self._out = out
        self._err = err

    @property
    def stdout(self) -> TextIO:
        return self._out or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._err or sys.stderr

    def style(self, text: str, *names: str) -> str:
        """`text` in the given styles when colour is on."""
        if not self.color or not names:
            return text
        codes = ";".join(_STYLES[name] for name in names)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def info(self, text: str) -> None:
        """A normal message (suppressed by --quiet and in JSON mode)."""
        if not self.quiet and not self.json_mode:
            print(text, file=self.stdout)

    def detail(self, text: str, level: int = 1) -> None:
        """A message shown from verbosity `level` on (never with --quiet)."""
        if self.verbose >= level and not self.quiet and not self.json_mode:
            print(text, file=self.stdout)

    def warn(self, text: str) -> None:
        """A warning on stderr (never mixed into JSON output)."""
        if not self.quiet:
            print(f"{self.style('dot: warning:', 'yellow')} {text}", file=self.stderr)

    def error(self, text: str) -> None:
        """The one error line on stderr."""
        print(f"{self.style('dot: error:', 'red', 'bold')} {text}", file=self.stderr)

    def note(self, text: str) -> None:
        """Extra lines that belong to an error (conflict lists), on stderr."""
        print(text, file=self.stderr)

    def emit_json(self, document: Any) -> None:
        """Write one JSON document to stdout."""
        import json

        json.dump(document, self.stdout, indent=2, sort_keys=False)
        self.stdout.write("\n")
