#!/usr/bin/env python3
"""Whole-process timings of `dot` against GNU Stow and a bare Python loop.

Every scenario runs dot and its baseline alternately (A/B interleaved: CPU speed
drifts over minutes, so only runs taken side by side are compared), each run from
the same starting state prepared untimed, on tmpfs. Prints medians, ratios and
the inputs as a Markdown table.

    python scripts/compare_stow.py [--runs 7] [--root /dev/shm/dot-compare] [--dot PATH]

Needs `stow` (apt-get install stow) and the fixture generator (fixtures/generate.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
# Bytecode is written as an installed copy would have it (a PYTHONDONTWRITEBYTECODE
# in the caller's environment would make every run compile dot from source).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
BARE_LOOP = """
import os, sys
src, dst = sys.argv[1], sys.argv[2]
for pkg in sorted(os.listdir(src)):
    base = os.path.join(src, pkg)
    for dirpath, dirnames, filenames in os.walk(base):
        rel = os.path.relpath(dirpath, base)
        out = dst if rel == "." else os.path.join(dst, rel)
        os.makedirs(out, exist_ok=True)
        for name in filenames:
            try:
                os.symlink(os.path.join(dirpath, name), os.path.join(out, name))
            except FileExistsError:  # two packages' READMEs: no conflict handling here
                pass
"""


def run(argv: Sequence[str], cwd: Path | None = None) -> float:
    """Wall time of one process; its output is discarded, a failure is fatal."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr.decode()}")
    return elapsed


def fresh(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)


def interleave(
    runs: int, cases: dict[str, tuple[Callable[[], None], Callable[[], float]]]
) -> dict[str, float]:
    """Median seconds per case; cases take turns, each after its own untimed setup.

    One extra round comes first and is not counted: it warms the page cache and
    writes any missing bytecode, which a user's installed copy already has.
    """
    times: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(runs + 1):
        for name, (setup, timed) in cases.items():
            setup()
            elapsed = timed()
            if round_:
                times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}


def generate(kind: str, out: Path) -> list[str]:
    script = HERE / "fixtures" / "generate.py"
    if not script.exists():
        sys.exit("fixtures/generate.py is missing")
    subprocess.run(
        [sys.executable, str(script), "--type", kind, "--seed", "1", "--out", str(out), "--force"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return sorted(os.listdir(out / "dotfiles"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--root", type=Path, default=Path("/dev/shm/dot-compare"))
    parser.add_argument("--dot", default=str(HERE / ".venv" / "bin" / "dot"))
    parser.add_argument("--python", default=str(HERE / ".venv" / "bin" / "python"))
    args = parser.parse_args()
    if shutil.which("stow") is None:
        sys.exit("GNU Stow is not installed (apt-get install stow)")
    dot, py, runs = args.dot, args.python, args.runs
    rows: list[tuple[str, str, float, str, float]] = []

    def compare(
        label: str,
        a: tuple[str, Callable[[], None], Callable[[], float]],
        b: tuple[str, Callable[[], None], Callable[[], float]],
    ) -> None:
        medians = interleave(runs, {a[0]: (a[1], a[2]), b[0]: (b[1], b[2])})
        rows.append((label, a[0], medians[a[0]], b[0], medians[b[0]]))
        print(
            f"{label}: {a[0]} {medians[a[0]] * 1000:.1f} ms, {b[0]} {medians[b[0]] * 1000:.1f} ms, "
            f"ratio {medians[a[0]] / medians[b[0]]:.2f}",
            file=sys.stderr,
        )

    nothing = lambda: None  # noqa: E731

    # Start-up floors.
    compare(
        "start-up: --version",
        ("dot --version", nothing, lambda: run([dot, "--version"])),
        ("python -c 'import click'", nothing, lambda: run([py, "-c", "import click"])),
    )
    compare(
        "start-up floor",
        (
            "python -c 'import click, pathspec'",
            nothing,
            lambda: run([py, "-c", "import click, pathspec"]),
        ),
        ("python -c pass", nothing, lambda: run([py, "-c", "pass"])),
    )

    def fixture(kind: str) -> None:
        """Every scenario on one generated fixture (closures bind this call's names)."""
        root = args.root / kind
        names = generate(kind, root)
        dotfiles = root / "dotfiles"
        home_dot, home_stow, home_bare = root / "home-dot", root / "home-stow", root / "home-bare"
        d = [dot, "-d", str(dotfiles), "-t", str(home_dot), "-q"]
        s = ["stow", "-d", str(dotfiles), "-t", str(home_stow)]

        def dot_installed(
            extra: Sequence[str] = (),
            d: list[str] = d,
            home: Path = home_dot,
            names: list[str] = names,
        ) -> None:
            fresh(home)
            run([*d, *extra, "manage", *names])

        def stow_installed(
            extra: Sequence[str] = (),
            s: list[str] = s,
            home: Path = home_stow,
            names: list[str] = names,
        ) -> None:
            fresh(home)
            run([*s, *extra, "-S", *names])

        if kind == "small":
            compare(
                f"{kind}: manage",
                ("dot", lambda h=home_dot: fresh(h), lambda: run([*d, "manage", *names])),
                (
                    "python -c 'import click, pathspec'",
                    nothing,
                    lambda: run([py, "-c", "import click, pathspec"]),
                ),
            )
        for folding in ([], ["--no-folding"]):
            mode = " --no-folding" if folding else ""
            compare(
                f"{kind}: manage{mode}",
                (
                    "dot",
                    lambda h=home_dot: fresh(h),
                    lambda f=folding: run([*d, *f, "manage", *names]),
                ),
                (
                    "stow",
                    lambda h=home_stow: fresh(h),
                    lambda f=folding: run([*s, *f, "-S", *names]),
                ),
            )
        compare(
            f"{kind}: manage --no-folding vs bare loop",
            (
                "dot",
                lambda h=home_dot: fresh(h),
                lambda: run([*d, "--no-folding", "manage", *names]),
            ),
            (
                "bare makedirs+symlink",
                lambda h=home_bare: fresh(h),
                lambda h=home_bare: run([py, "-c", BARE_LOOP, str(dotfiles), str(h)]),
            ),
        )
        compare(
            f"{kind}: remanage unchanged (--no-folding)",
            (
                "dot remanage",
                lambda: dot_installed(["--no-folding"]),
                lambda: run([*d, "--no-folding", "remanage", *names]),
            ),
            (
                "stow -R",
                lambda: stow_installed(["--no-folding"]),
                lambda: run([*s, "--no-folding", "-R", *names]),
            ),
        )
        compare(
            f"{kind}: unmanage (--no-folding)",
            (
                "dot unmanage",
                lambda: dot_installed(["--no-folding"]),
                lambda: run([*d, "--no-folding", "unmanage", *names]),
            ),
            (
                "stow -D",
                lambda: stow_installed(["--no-folding"]),
                lambda: run([*s, "--no-folding", "-D", *names]),
            ),
        )

    for kind in ("small", "large"):
        fixture(kind)

    print("\n| scenario | A | A median | B | B median | A / B |\n|---|---|---|---|---|---|")
    for label, a, ta, b, tb in rows:
        print(f"| {label} | {a} | {ta * 1000:.1f} ms | {b} | {tb * 1000:.1f} ms | {ta / tb:.2f} |")
    print(
        f"\n{runs} interleaved runs per scenario, medians; machine: {os.uname().machine}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, fixtures on {args.root}."
    )


if __name__ == "__main__":
    main()
