"""The executor: every operation kind, rollback of each, parallel levels."""

from __future__ import annotations

import errno

import pytest

from dot.errors import ExecutionError, Interrupted
from dot.fs.faulty import FaultyFileSystem
from dot.fs.memory import MemoryFileSystem
from dot.model import (
    Adopt,
    Backup,
    CopyBack,
    Delete,
    Kind,
    Link,
    Mkdir,
    Operation,
    Restore,
    Rmdir,
    Unlink,
)
from dot.paths import Layout
from dot.pipeline.executor import Executor
from dot.pipeline.sorter import order
from helpers import HOME

LAYOUT = Layout("/dotfiles", HOME)


def world() -> MemoryFileSystem:
    fs = MemoryFileSystem()
    fs.write("/dotfiles/p/f", "package copy")
    fs.write(f"{HOME}/obstacle", "user file", mode=0o600)
    fs.write(f"{HOME}/other", "to delete")
    fs.symlink("../dotfiles/p/old", f"{HOME}/old-link")
    fs.makedirs(f"{HOME}/empty-created")
    fs.write(f"{HOME}/.dot-backup/R0/restored", "backed up")
    return fs


ALL: list[Operation] = [
    Link("new", "../dotfiles/p/f", "p", "f", Kind.FILE),
    Unlink("old-link", "../dotfiles/p/old", "p"),
    Mkdir("made", "p"),
    Rmdir("empty-created"),
    Backup("obstacle", f"{HOME}/.dot-backup/R1/obstacle", "p", Kind.FILE),
    Delete("other", Kind.FILE),
    Restore("restored", f"{HOME}/.dot-backup/R0/restored", "p", HOME),
    CopyBack("copied", "p", "f"),
]


def run(fs: object, ops: list[Operation], **kwargs: object) -> None:
    Executor(fs, LAYOUT, trash=f"{HOME}/.dot-trash/R1", **kwargs).run(order(ops)).commit()  # type: ignore[arg-type]


def test_every_operation_does_what_it_says() -> None:
    fs = world()
    run(fs, ALL)
    tree = fs.snapshot(HOME)
    assert tree["new"] == ("link", "../dotfiles/p/f", 0o777)
    assert "old-link" not in tree
    assert tree["made"][0] == "dir"
    assert "empty-created" not in tree
    assert tree[".dot-backup/R1/obstacle"] == ("file", b"user file", 0o600)
    assert "other" not in tree and ".dot-trash" not in tree
    assert tree["restored"] == ("file", b"backed up", 0o644)
    assert ".dot-backup/R0" not in tree  # emptied backup run dirs are pruned
    assert tree["copied"] == ("file", b"package copy", 0o644)


def test_adopt_moves_the_file_in_and_stashes_the_package_copy() -> None:
    fs = world()
    run(fs, [Adopt("obstacle", "p", "f", f"{HOME}/.dot-backup/R1-adopted/p/f")])
    assert fs.read_bytes("/dotfiles/p/f") == b"user file"
    assert fs.read_bytes(f"{HOME}/.dot-backup/R1-adopted/p/f") == b"package copy"
    assert not fs.exists(f"{HOME}/obstacle")


@pytest.mark.parametrize("fail_at", range(len(ALL) + 6))
def test_failure_at_any_point_restores_everything(fail_at: int) -> None:
    fs = world()
    before_home, before_pkg = fs.snapshot(HOME), fs.snapshot("/dotfiles")
    ops = [*ALL, Adopt("new2", "p", "f", f"{HOME}/.dot-backup/R1-adopted/p/f")]
    fs.write(f"{HOME}/new2", "adoptee")
    before_home = fs.snapshot(HOME)
    clean = world()
    clean.write(f"{HOME}/new2", "adoptee")
    run(clean, ops)
    faulty = FaultyFileSystem(fs, fail_at=fail_at, error=errno.EIO)
    try:
        run(faulty, ops)
    except ExecutionError:
        assert fs.snapshot(HOME) == before_home
        assert fs.snapshot("/dotfiles") == before_pkg
    else:
        # The failure hit a best-effort step (pruning an emptied backup directory,
        # dropping the trash after commit): the result is right, maybe with an
        # empty leftover directory of dot's own.
        def tidy(tree: dict[str, object]) -> dict[str, object]:
            return {
                p: v for p, v in tree.items() if not p.startswith((".dot-backup/R0", ".dot-trash"))
            }

        assert tidy(fs.snapshot(HOME)) == tidy(clean.snapshot(HOME))


def test_parallel_levels_give_the_same_result() -> None:
    ops: list[Operation] = [Mkdir("d", "p")]
    ops += [Link(f"d/f{i}", f"../../dotfiles/p/f{i}", "p", f"f{i}", Kind.FILE) for i in range(200)]
    sequential, parallel = MemoryFileSystem(), MemoryFileSystem()
    for fs in (sequential, parallel):
        fs.makedirs(HOME)
    run(sequential, ops, jobs=1)
    tx = Executor(parallel, LAYOUT, jobs=4).run(order(ops))
    assert tx.stats.parallel_levels == 1
    assert sequential.snapshot(HOME) == parallel.snapshot(HOME)


def test_parallel_failure_rolls_back_the_whole_level() -> None:
    fs = MemoryFileSystem()
    fs.makedirs(HOME)
    ops: list[Operation] = [Link(f"f{i}", "t", "p", f"f{i}", Kind.FILE) for i in range(100)]
    faulty = FaultyFileSystem(fs, fail_at=57, error=errno.EIO)
    with pytest.raises(ExecutionError):
        Executor(faulty, LAYOUT, jobs=4).run(order(ops))
    assert fs.snapshot(HOME) == {}


def test_interrupt_rolls_back_and_says_so() -> None:
    fs = MemoryFileSystem()
    fs.makedirs(HOME)
    calls = 0

    class Interrupting(FaultyFileSystem):
        def symlink(self, text: str, path: str) -> None:
            nonlocal calls
            calls += 1
            if calls == 3:
                raise KeyboardInterrupt
            super().symlink(text, path)

    ops: list[Operation] = [Link(f"f{i}", "t", "p", f"f{i}", Kind.FILE) for i in range(5)]
    with pytest.raises(Interrupted) as info:
        Executor(Interrupting(fs), LAYOUT).run(order(ops))
    assert info.value.exit_code == 130
    assert fs.snapshot(HOME) == {}


def test_unlink_refuses_a_link_that_changed_since_planning() -> None:
    fs = MemoryFileSystem()
    fs.makedirs(HOME)
    fs.symlink("somewhere-else", f"{HOME}/x")
    with pytest.raises(ExecutionError, match="changed since planning"):
        run(fs, [Unlink("x", "expected", "p")])
    assert fs.readlink(f"{HOME}/x") == "somewhere-else"
