"""A progress bar on stderr for long runs on a terminal (rich, imported only then)."""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

# Below this many operations a run is over before a bar would be worth drawing.
THRESHOLD = 500


class ProgressBar:
    """Starts a bar when told the total (if large enough); safe to call from threads."""

    def __init__(self, stream: TextIO | None = None, *, threshold: int = THRESHOLD) -> None:
        self._stream = stream or sys.stderr
        self._threshold = threshold
        self._bar: Any = None
        self._task: Any = None
        self._lock = threading.Lock()

    @staticmethod
    def wanted(stream: TextIO, quiet: bool, json_mode: bool) -> bool:
        """Only for people watching a terminal."""
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty()) and not quiet and not json_mode

    def start(self, total: int) -> None:
        if total < self._threshold:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        console = Console(file=self._stream)
        self._bar = Progress(
            TextColumn("applying"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task("apply", total=total)
        self._bar.start()

    def advance(self, count: int) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.advance(self._task, count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
