"""Dependency order and levels."""

from __future__ import annotations

from dot.model import Backup, Kind, Link, Mkdir, Restore, Rmdir, Unlink
from dot.pipeline.sorter import order


def position(levels: tuple[tuple[object, ...], ...]) -> dict[object, int]:
    return {op: i for i, level in enumerate(levels) for op in level}


def test_parent_directory_before_child() -> None:
    ops = [Link("a/b/f", "t", "p", "f", Kind.FILE), Mkdir("a/b", "p"), Mkdir("a", "p")]
    levels = order(ops).levels
    assert levels == ((Mkdir("a", "p"),), (Mkdir("a/b", "p"),), (ops[0],))


def test_unlink_before_link_and_mkdir_at_the_same_path() -> None:
    unfold = [Mkdir("x", "b"), Link("x", "n", "a", "x", Kind.DIR), Unlink("x", "o", "a")]
    pos = position(order(unfold).levels)
    assert pos[Unlink("x", "o", "a")] < pos[Mkdir("x", "b")]
    assert pos[Unlink("x", "o", "a")] < pos[Link("x", "n", "a", "x", Kind.DIR)]


def test_children_removed_before_rmdir_then_folded_link() -> None:
    fold = [
        Link("x", "t", "a", "x", Kind.DIR),
        Rmdir("x"),
        Unlink("x/f1", "1", "a"),
        Unlink("x/f2", "2", "b"),
    ]
    levels = order(fold).levels
    assert levels == ((fold[2], fold[3]), (fold[1],), (fold[0],))


def test_backup_frees_and_restore_fills() -> None:
    ops = [Link("f", "t", "p", "f", Kind.FILE), Backup("f", "/b/f", "p", Kind.FILE)]
    assert order(ops).levels == ((ops[1],), (ops[0],))
    ops2 = [Restore("f", "/b/f", "p", "/b"), Unlink("f", "t", "p")]
    assert order(ops2).levels == ((ops2[1],), (ops2[0],))


def test_independent_operations_share_a_level_in_input_order() -> None:
    ops = [Link(f"f{i}", "t", "p", f"f{i}", Kind.FILE) for i in range(5)]
    levels = order(ops)
    assert levels.levels == (tuple(ops),)
    assert levels.count == 5
    assert levels.flat() == tuple(ops)


def test_empty_plan() -> None:
    assert order([]).levels == ()
