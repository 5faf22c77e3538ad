"""remanage with directory stamps does what remanage without them does, on random worlds.

A random world is managed, then changed: in the packages (the package mutations
of the other suites) or in the target (links removed, rewritten or replaced,
directories dot made removed, unrelated files added next to the links). remanage
of every package must then end in the same target, with the same operations or
the same error, whether or not the stamps file is there; and when the stamps do
answer, the answer is "nothing to do", with no write at all.

Set DOT_PROPERTY_SCALE=10 for ten times as many examples.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from prop_worlds import (
    MANIFEST,
    Mutation,
    World,
    diff,
    mutations,
    property_settings,
    remove_tree,
    worlds,
)

from dot.errors import DotError
from dot.fs.faulty import FaultyFileSystem
from dot.fs.memory import MemoryFileSystem
from helpers import HOME

SETTINGS = property_settings(80)
STAMPS = f"{MANIFEST}.stamps"
TARGET_CHANGES = ("unlink", "retarget", "own-file", "remove-dir", "foreign-file", "none")


@dataclass(frozen=True)
class Case:
    world: World
    package_change: Mutation | None
    target_change: str
    pick: int  # which link or directory the target change acts on
    advance: float  # seconds between writing the packages and managing them


@st.composite
def cases(draw: st.DrawFn) -> Case:
    world = draw(worlds(foreign=False, disjoint=True))
    package_change = draw(st.none() | mutations(world, disjoint=True))
    return Case(
        world,
        package_change,
        draw(st.sampled_from(TARGET_CHANGES)),
        draw(st.integers(0, 50)),
        draw(st.sampled_from([0.0, 60.0])),
    )


def _items(fs: MemoryFileSystem, kind: str) -> list[str]:
    return sorted(p for p, v in fs.snapshot(HOME).items() if v[0] == kind and ".dot-" not in p)


def change_target(fs: MemoryFileSystem, change: str, pick: int) -> None:
    links, dirs = _items(fs, "link"), _items(fs, "dir")
    if change in ("unlink", "retarget", "own-file") and links:
        path = f"{HOME}/{links[pick % len(links)]}"
        fs.unlink(path)
        if change == "retarget":
            fs.symlink("../somewhere/else", path)
        elif change == "own-file":
            fs.write(path, "the user's own")
    elif change == "remove-dir" and dirs:
        remove_tree(fs, f"{HOME}/{dirs[pick % len(dirs)]}")
    elif change == "foreign-file":
        places = ["", *dirs]
        fs.write(f"{HOME}/{places[pick % len(places)]}/unrelated".replace("//", "/"), "x")


def build(case: Case, stamps: bool) -> MemoryFileSystem:
    world = case.world
    fs = world.build()
    fs.advance(case.advance)
    world.dot(fs).manage(world.names)
    if not stamps and fs.exists(STAMPS):
        fs.unlink(STAMPS)
    if case.package_change is not None:
        case.package_change.apply(world, fs)
    change_target(fs, case.target_change, case.pick)
    return fs


def outcome(case: Case, fs: MemoryFileSystem) -> tuple[Any, ...]:
    counting = FaultyFileSystem(fs)
    try:
        result = case.world.dot(counting, tick=5).remanage(case.world.names)
    except DotError as exc:
        return ("error", type(exc).__name__, str(exc)), _home(fs)
    if result.up_to_date == tuple(case.world.names) and not result.manifest_written:
        assert result.operations == ()
        assert counting.writes == 0
    ops = sorted((type(op).__name__, op.path) for op in result.operations)
    return ("done", ops), _home(fs)


def _home(fs: MemoryFileSystem) -> dict[str, Any]:
    return {
        p: v if v[0] != "dir" else ("dir", b"", stat.S_IMODE(v[2]))
        for p, v in fs.snapshot(HOME).items()
        if not p.startswith(".dot-")
    }


@SETTINGS
@given(case=cases())
# A directory added inside a package directory: the in-memory filesystem's makedirs
# did not move its parent's time, as a real mkdir does, so trusted stamps missed it.
@example(
    case=Case(
        World({"vim": {"dot-config": {"dot-rc1": ""}}}, folding=False, dotfiles=False),
        Mutation("add-dir", "vim", "dot-config/dot-config", "1"),
        "foreign-file",
        0,
        60.0,
    )
)
def test_stamps_never_change_what_remanage_does(case: Case) -> None:
    with_stamps = outcome(case, build(case, stamps=True))
    without = outcome(case, build(case, stamps=False))
    assert with_stamps[0] == without[0]
    assert with_stamps[1] == without[1], diff(without[1], with_stamps[1])


@SETTINGS
@given(world=worlds(foreign=False, disjoint=True))
def test_a_managed_world_is_answered_from_its_stamps(world: World) -> None:
    """Unless a package was only partly installed, the stamps vouch for it."""
    fs = world.build()
    result = world.dot(fs).manage(world.names)
    again = world.dot(FaultyFileSystem(fs), tick=5).remanage(world.names)
    assert again.up_to_date == tuple(world.names)
    quick = any(c.name == "directory stamps" for c in again.caches)
    assert quick or result.skipped


def unmanaged(case: Case, fs: MemoryFileSystem) -> tuple[Any, ...]:
    names = case.world.names[: 1 + case.pick % len(case.world.names)]
    try:
        result = case.world.dot(fs, tick=5).unmanage(names)
    except DotError as exc:
        return ("error", type(exc).__name__, str(exc)), _home(fs)
    return ("done", sorted((type(op).__name__, op.path) for op in result.operations)), _home(fs)


@SETTINGS
@given(case=cases())
def test_links_known_from_stamps_never_change_what_unmanage_does(case: Case) -> None:
    """unmanage plans with the links its trusted stamps vouch for (unread): the same
    operations and the same target as reading every link."""
    with_stamps = unmanaged(case, build(case, stamps=True))
    without = unmanaged(case, build(case, stamps=False))
    assert with_stamps[0] == without[0]
    assert with_stamps[1] == without[1], diff(without[1], with_stamps[1])
