"""`--bench-memory`: a tracemalloc view of each benchmark body.

Every benchmarked callable (`benchmark(fn)` and `benchmark.pedantic(fn, ...)`) is
run under tracemalloc once. Recorded per test:

- peak: the highest memory allocated by the body at any moment while it ran
  (tracing is on only during the body: setup and session fixtures do not count);
- held: what the body allocated that is still alive when it returns (its result,
  e.g. the scanned trees, plus anything it cached);
- the source lines that allocated most of what is held.

The table is printed at the end of the run and written, with the top lines of every
test, to `--bench-memory-report` (default .benchmarks/memory.txt). Timings taken
with tracing on are meaningless, so run it with --benchmark-disable (`make
benchmark-mem` does, at full scale).
"""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import pytest

_IGNORED = (tracemalloc.__file__, "<frozen importlib._bootstrap>", "<unknown>")
TOP = 8


@dataclass
class Measure:
    """What one benchmark body allocated."""

    test: str
    peak: int = 0
    held: int = 0
    top: list[str] = field(default_factory=list)


def _kib(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


class MemoryTracker:
    """A pytest plugin: wraps the `benchmark` fixture of each test to trace its body."""

    def __init__(self, report: str) -> None:
        self.report = report
        self.results: list[Measure] = []
        self._current: Measure | None = None

    def _wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def traced(*args: Any, **kwargs: Any) -> Any:
            measure = self._current
            if measure is None or measure.peak or tracemalloc.is_tracing():
                return fn(*args, **kwargs)  # the first call only; never nest tracers
            gc.collect()
            # Tracing only while the body runs: everything traced is the body's own.
            tracemalloc.start()
            try:
                result = fn(*args, **kwargs)
                held, peak = tracemalloc.get_traced_memory()
                snapshot = tracemalloc.take_snapshot()
            finally:
                tracemalloc.stop()
            measure.peak = max(peak, 1)
            measure.held = held
            filters = [tracemalloc.Filter(False, name) for name in _IGNORED]
            stats = snapshot.filter_traces(filters).statistics("lineno")[:TOP]
            measure.top = [
                f"{_kib(s.size):>12}  {s.count:>9,} blocks  "
                f"{_short(s.traceback[0].filename)}:{s.traceback[0].lineno}"
                for s in stats
            ]
            return result

        return traced

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        funcargs = getattr(item, "funcargs", {})
        fixture = funcargs.get("benchmark")
        if fixture is None:
            yield
            return
        self._current = Measure(item.nodeid.split("::", 1)[-1])
        base = type(fixture)
        tracker = self

        class Traced(base):  # type: ignore[misc, valid-type]
            def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
                return base.__call__(self, tracker._wrap(fn), *args, **kwargs)

            def pedantic(self, target: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
                return base.pedantic(self, tracker._wrap(target), *args, **kwargs)

        fixture.__class__ = Traced
        try:
            yield
        finally:
            fixture.__class__ = base
            if self._current.peak:
                self.results.append(self._current)
            self._current = None

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.results:
            return
        lines = [f"{'benchmark':<58} {'peak':>14} {'held':>14}"]
        for m in sorted(self.results, key=lambda m: m.peak, reverse=True):
            lines.append(f"{m.test[:58]:<58} {_kib(m.peak):>14} {_kib(m.held):>14}")
        terminalreporter.write_sep("-", "memory (tracemalloc, first call of each body)")
        for line in lines:
            terminalreporter.write_line(line)
        detail = [*lines, ""]
        for m in self.results:
            detail.append(f"== {m.test}: peak {_kib(m.peak)}, held {_kib(m.held)}")
            detail.extend(m.top or ["   (nothing held)"])
            detail.append("")
        os.makedirs(os.path.dirname(self.report) or ".", exist_ok=True)
        with open(self.report, "w", encoding="utf-8") as handle:
            handle.write("\n".join(detail))
        terminalreporter.write_line(f"top allocating lines per benchmark: {self.report}")


def _short(filename: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.basename(filename)
