#!/usr/bin/env python3
"""Cache hit rates of `dot -vv remanage` after realistic edits (docs/Performance-Baseline.md).

For each fixture and folding mode: generate the fixture, `dot manage` every
package (each step two seconds after the one before, as between commands a user
types: dot trusts a directory's time only when it is older than the clock's
coarse tick), then edit the packages the
way a user does (one file appended to, two rewritten through a rename as editors
save, a new directory with a file, a file removed, spread over the packages) and
run `dot -vv remanage` of every package. Prints the hit/miss lines of every cache
as a Markdown table.

    python scripts/cache_rates.py [--root /dev/shm/dot-caches] [--kinds medium large]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
CACHE_LINE = re.compile(r"^cache (?P<name>.+?): (?P<hits>\d+) hits, (?P<misses>\d+) misses")


def files_of(package: Path) -> list[Path]:
    return sorted(p for p in package.rglob("*") if p.is_file() and not p.is_symlink())


def edit(dotfiles: Path) -> None:
    """The user's edits, spread over the packages (every package keeps its files)."""
    packages = sorted(p for p in dotfiles.iterdir() if p.is_dir())
    pick = [files_of(p) for p in packages]
    first, second, third = pick[0], pick[len(pick) // 2], pick[-1]
    with first[len(first) // 2].open("a") as stream:  # appended to in place
        stream.write("# edited\n")
    for victim in (second[1], third[2]):  # saved through a rename, as editors do
        temporary = victim.with_name(victim.name + ".swp~")
        temporary.write_text(victim.read_text() + "# rewritten\n")
        os.replace(temporary, victim)
    fresh = packages[1] / "dot-config" / "newtool"  # a new directory with a file
    fresh.mkdir(parents=True, exist_ok=True)
    (fresh / "config").write_text("new = true\n")
    third[-1].unlink()  # a file removed


def rates(dot: str, kind: str, root: Path, folding: bool) -> dict[str, tuple[int, int]]:
    out = root / kind
    generator = [sys.executable, str(HERE / "fixtures/generate.py"), "--type", kind]
    subprocess.run(
        [*generator, "--seed", "1", "--out", str(out), "--force"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    dotfiles, home = out / "dotfiles", out / "home"
    shutil.rmtree(home)
    home.mkdir()
    names = sorted(p.name for p in dotfiles.iterdir() if p.is_dir())
    base = [dot, "-d", str(dotfiles), "-t", str(home)] + ([] if folding else ["--no-folding"])
    time.sleep(2.1)  # a repository is not written within the second before a manage
    subprocess.run([*base, "-q", "manage", *names], check=True)
    time.sleep(2.1)
    edit(dotfiles)
    done = subprocess.run(
        [*base, "-vv", "remanage", *names], check=True, capture_output=True, text=True
    )
    found: dict[str, tuple[int, int]] = {}
    for line in (done.stdout + done.stderr).splitlines():
        match = CACHE_LINE.match(line.strip())
        if match:
            found[match["name"]] = (int(match["hits"]), int(match["misses"]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/dev/shm/dot-caches"))
    parser.add_argument("--kinds", nargs="+", default=["medium", "large"])
    parser.add_argument("--dot", default=str(HERE / ".venv" / "bin" / "dot"))
    args = parser.parse_args()
    rows = []
    names: list[str] = []
    for kind in args.kinds:
        for folding in (True, False):
            found = rates(args.dot, kind, args.root, folding)
            names += [n for n in found if n not in names]
            rows.append((f"{kind}, {'folding' if folding else '--no-folding'}", found))
    print("| workload | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, found in rows:
        cells = []
        for name in names:
            if name in found:
                hits, misses = found[name]
                total = hits + misses
                share = f"{100 * hits // total}%" if total else "-"
                cells.append(f"{share} ({hits:,} / {misses:,})")
            else:
                cells.append("-")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
