#!/usr/bin/env python3
"""Summarise a directory of dot profiles (from scripts/profile.sh or the profiling flags).

    python scripts/analyze_profiles.py profiles/NAME [--top N]

For every cProfile file (`*.prof`): the top N functions by own CPU time. For every
tracemalloc snapshot (a file FILE with a `FILE.txt` written by --memprofile): the top
N allocation sites by size. For every thread dump (--threadprofile): how many threads
and their names. HTML reports are listed. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import pstats
import re
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

TOP = 20
MEMORY_HEADER = "# dot memory profile:"
THREAD_HEADER = "# dot thread dump:"
THREAD_LINE = re.compile(r'^Thread "(?P<name>.*)" ident=')
# Allocation sites that say nothing about dot's code (the same as dot.cli.profiling).
NOISE = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>", "<unknown>")
_PREFIXES = tuple(
    re.compile(pattern)
    for pattern in (r"^.*/site-packages/", r"^.*?/src/", r"^.*/lib/python\d+\.\d+/")
)


def short(path: str) -> str:
    """`path` without the install prefix (`.../site-packages/`, `.../src/`, stdlib dir)."""
    for prefix in _PREFIXES:
        shorter, found = prefix.subn("", path, count=1)
        if found:
            return shorter
    return path


def size(count: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if abs(count) < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"


def cpu(path: Path, top: int) -> list[str]:
    """The top functions by own time (tottime) of one cProfile file."""
    stats = pstats.Stats(str(path))
    table = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    calls = stats.total_calls  # type: ignore[attr-defined]
    lines = [f"{calls} calls, {total:.3f} s of CPU in profiled functions"]
    lines.append(f"{'tottime':>9} {'share':>6} {'cumtime':>9} {'ncalls':>11}  function")
    rows = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (file, line, name), (primitive, ncalls, tottime, cumtime, _callers) in rows:
        where = name if file == "~" else f"{short(file)}:{line}({name})"
        count = str(ncalls) if ncalls == primitive else f"{ncalls}/{primitive}"
        share = 100 * tottime / total if total else 0.0
        lines.append(f"{tottime:9.4f} {share:5.1f}% {cumtime:9.4f} {count:>11}  {where}")
    return lines


def is_snapshot(path: Path) -> bool:
    """A --memprofile snapshot: FILE.txt beside it starts with the memory header."""
    report = path.with_name(path.name + ".txt")
    try:
        with report.open(encoding="utf-8") as stream:
            return stream.readline().startswith(MEMORY_HEADER)
    except OSError:
        return False


def memory(path: Path, top: int) -> list[str]:
    """The top allocation sites of one tracemalloc snapshot."""
    snapshot = tracemalloc.Snapshot.load(str(path))
    filters = [tracemalloc.Filter(False, name) for name in NOISE]
    stats = snapshot.filter_traces(filters).statistics("lineno")
    held = sum(stat.size for stat in stats)
    lines = [f"{size(held)} in {sum(s.count for s in stats)} blocks held at the end of the run"]
    lines.append(f"{'size':>11} {'share':>6} {'blocks':>8}  site")
    for stat in stats[:top]:
        frame = stat.traceback[0]
        share = 100 * stat.size / held if held else 0.0
        where = f"{short(frame.filename)}:{frame.lineno}"
        lines.append(f"{size(stat.size):>11} {share:5.1f}% {stat.count:>8}  {where}")
    return lines


def is_thread_dump(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as stream:
            return stream.readline().startswith(THREAD_HEADER)
    except (OSError, UnicodeDecodeError):
        return False


def threads(path: Path) -> list[str]:
    """How many threads a dump holds, and their names (pool workers grouped)."""
    names = [
        match.group("name")
        for line in path.read_text(encoding="utf-8").splitlines()
        if (match := THREAD_LINE.match(line))
    ]
    groups = Counter(re.sub(r"_\d+$", "_*", name) for name in names)
    listed = ", ".join(f"{name} x{count}" if count > 1 else name for name, count in groups.items())
    noun = "thread" if len(names) == 1 else "threads"
    return [f"{len(names)} {noun}: {listed}"]


def analyse(root: Path, top: int) -> int:
    # dot's own runs first, then the benchmarks
    files = sorted(
        (p for p in root.rglob("*") if p.is_file()),
        key=lambda p: (p.name.startswith("bench"), str(p)),
    )
    sections: list[tuple[str, Path, list[str]]] = []
    for path in files:
        if path.suffix == ".prof":
            sections.append(("CPU", path, cpu(path, top)))
    for path in files:
        if is_snapshot(path):
            sections.append(("memory", path, memory(path, top)))
    dumps = [path for path in files if path.suffix == ".txt" and is_thread_dump(path)]
    for path in dumps:
        sections.append(("threads", path, threads(path)))
    for kind, path, lines in sections:
        print(f"== {kind}: {path.relative_to(root)}")
        print("\n".join(lines))
        print()
    reports = [path for path in files if path.suffix == ".html"]
    if reports:
        print("== HTML reports (open in a browser)")
        print("\n".join(f"{path}" for path in reports))
    if not sections and not reports:
        print(f"analyze_profiles: no profiles found in {root}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="a profiles/NAME directory")
    parser.add_argument("--top", type=int, default=TOP, help=f"rows per profile ({TOP})")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        parser.error(f"{args.directory} is not a directory")
    return analyse(args.directory, args.top)


if __name__ == "__main__":
    sys.exit(main())
