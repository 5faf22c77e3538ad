"""Crash safety: for plans of 200+ operations, every operation index is tried.

A *failure* at operation i (the filesystem refuses it) must leave the target, the
package directory and the manifest exactly as they were. A *crash* after operation
i (the process dies: no rollback runs) must be recovered by the next dot command,
which leaves everything exactly as before the run, or exactly as after it when
the run had already written its manifest.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable
from typing import Any

import pytest

from dot import manifest as manifest_io
from dot.errors import DotError
from dot.fs.faulty import FaultyFileSystem, SimulatedCrash
from dot.fs.memory import MemoryFileSystem
from dot.model import Policy
from dot.pipeline.journal import JOURNAL_NAME
from helpers import DIR, HOME, add_package, service

World = Callable[[], MemoryFileSystem]
Run = Callable[[Any], object]

ERRORS = [errno.EIO, errno.EACCES, errno.ENOSPC, errno.EEXIST]


def files(prefix: str, count: int) -> dict[str, str]:
    return {f"{prefix}{i:03d}": f"content {i}" for i in range(count)}


def manage_world() -> MemoryFileSystem:
    fs = MemoryFileSystem()
    fs.makedirs(HOME)
    add_package(fs, "big", {**files("dot-config/app/f", 140), **files("bin/tool", 60)})
    return fs


def refold_world() -> MemoryFileSystem:
    fs = MemoryFileSystem()
    fs.makedirs(HOME)
    add_package(fs, "a", files("x/y/a", 100))
    add_package(fs, "b", files("x/y/b", 100))
    service(fs).manage(["a", "b"])
    return fs


def remanage_world() -> MemoryFileSystem:
    fs = manage_world()
    service(fs, folding=False).manage(["big"])
    for i in range(100):
        fs.unlink(f"{DIR}/big/dot-config/app/f{i:03d}")
        fs.write(f"{DIR}/big/new/n{i:03d}", "new")
    return fs


def backup_world() -> MemoryFileSystem:
    fs = MemoryFileSystem()
    fs.makedirs(HOME)
    add_package(fs, "big", files("bin/tool", 100))
    for i in range(100):
        fs.write(f"{HOME}/bin/tool{i:03d}", f"mine {i}", mode=0o600)
    return fs


def adopt_world() -> MemoryFileSystem:
    fs = MemoryFileSystem()
    fs.makedirs(HOME)
    add_package(fs, "p", files("dot-f", 100))
    for i in range(100):
        fs.write(f"{HOME}/.f{i:03d}", f"user's {i}", mode=0o640)
    return fs


def cached(build: World) -> World:
    """Build a world once; hand out independent copies."""
    made: list[MemoryFileSystem] = []

    def world() -> MemoryFileSystem:
        if not made:
            made.append(build())
        return made[0].clone()

    return world


SCENARIOS: dict[str, tuple[World, Run]] = {
    "manage": (cached(manage_world), lambda fs: service(fs, folding=False).manage(["big"])),
    "unmanage-refold": (cached(refold_world), lambda fs: service(fs).unmanage(["b"])),
    "remanage": (cached(remanage_world), lambda fs: service(fs, folding=False).remanage(["big"])),
    "backup": (
        cached(backup_world),
        lambda fs: service(fs, folding=False, policy=Policy.BACKUP).manage(["big"]),
    ),
    "adopt": (cached(adopt_world), lambda fs: service(fs, policy=Policy.ADOPT).manage(["p"])),
}


RUN_ID = re.compile(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{6}")


def state(fs: MemoryFileSystem) -> tuple[dict[str, Any], dict[str, Any]]:
    return fs.snapshot(HOME), fs.snapshot(DIR)


def shape(fs: MemoryFileSystem) -> dict[str, Any]:
    """The target without the manifest, with run ids (in backup paths) made equal."""
    return {
        RUN_ID.sub("RUN", p): v
        for p, v in fs.snapshot(HOME).items()
        if not p.startswith(".dot-manifest")
    }


def links_of(fs: MemoryFileSystem) -> dict[str, set[str]]:
    m = manifest_io.load(fs, f"{HOME}/.dot-manifest.json", DIR, HOME)
    return {name: set(rec.links) for name, rec in m.packages.items()}


def count_writes(world: World, run: Run) -> tuple[int, MemoryFileSystem]:
    fs = world()
    counting = FaultyFileSystem(fs)
    run(counting)
    return counting.writes, fs


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_failure_at_every_operation_leaves_everything_as_before(name: str) -> None:
    world, run = SCENARIOS[name]
    writes, _ = count_writes(world, run)
    assert writes >= 200
    for index in range(writes):
        fs = world()
        before = state(fs)
        faulty = FaultyFileSystem(fs, fail_at=index, error=ERRORS[index % len(ERRORS)])
        try:
            run(faulty)
        except DotError:
            pass
        else:
            # Only best-effort steps after the commit may fail without an error.
            continue
        assert state(fs) == before, f"{name}: failure at write {index}"


# Crashes are tried on a subset (each index costs a run and a recovery); failures
# above cover every scenario, and tests/e2e kills the real process with SIGKILL.
@pytest.mark.parametrize("name", ["manage", "unmanage-refold"])
def test_a_crash_at_every_operation_is_recovered_by_the_next_command(name: str) -> None:
    world, run = SCENARIOS[name]
    writes, done = count_writes(world, run)
    after_home = shape(done)
    after_links = links_of(done)
    for index in range(1, writes + 1):
        fs = world()
        before = state(fs)
        crashing = FaultyFileSystem(fs, crash_after=index)
        try:
            run(crashing)
        except SimulatedCrash:
            pass
        else:
            continue  # the crash point was past the last write
        journal_left = fs.exists(f"{HOME}/{JOURNAL_NAME}")
        dot = service(fs)
        dot.status([])  # any command recovers first
        assert not fs.exists(f"{HOME}/{JOURNAL_NAME}")
        if state(fs) == before:
            assert "rolled it back" in dot.notices[0]
            continue
        # The manifest had been written: the run is finished instead.
        assert shape(fs) == after_home, f"{name}: crash after write {index}"
        assert links_of(fs) == after_links
        if journal_left:
            assert "had committed" in dot.notices[0]


def private_world() -> MemoryFileSystem:
    """.ssh installed without folding: a directory dot made with the package's 0700."""
    fs = MemoryFileSystem()
    fs.makedirs(HOME)
    add_package(fs, "ssh", {"dot-ssh/config": "Host *", "dot-ssh/keys/known": "x"})
    fs.chmod(f"{DIR}/ssh/dot-ssh", 0o700)
    fs.chmod(f"{DIR}/ssh/dot-ssh/keys", 0o750)
    service(fs, folding=False).manage(["ssh"])
    return fs


def test_a_rolled_back_removal_gives_each_directory_its_mode_back() -> None:
    """A crash after unmanage removed ~/.ssh (0700): recovery makes it 0700 again."""
    world = cached(private_world)
    assert world().snapshot(HOME)[".ssh"][2] == 0o700

    def run(fs: Any) -> object:
        return service(fs, folding=False).unmanage(["ssh"])

    writes, _ = count_writes(world, run)
    rolled_back = 0
    for index in range(1, writes + 1):
        fs = world()
        before = state(fs)
        try:
            run(FaultyFileSystem(fs, crash_after=index))
        except SimulatedCrash:
            pass
        else:
            continue
        dot = service(fs)
        dot.status([])
        if not fs.exists(f"{HOME}/.dot-manifest.json"):
            continue  # the run had committed: everything is gone, as it should be
        assert state(fs) == before, f"crash after write {index}"  # modes included
        rolled_back += 1
    assert rolled_back >= 4  # crashes after each rmdir were among them


def test_a_damaged_journal_is_a_clear_error_and_changes_nothing() -> None:
    fs = manage_world()
    fs.write(f"{HOME}/{JOURNAL_NAME}", b'{"journal": 1, "run": 5}\n')
    before = state(fs)
    with pytest.raises(DotError, match=r"journal .* has a bad run"):
        service(fs).manage(["big"])
    assert state(fs) == before


def test_a_journal_whose_header_never_reached_the_disk_is_dropped() -> None:
    fs = manage_world()
    fs.write(f"{HOME}/{JOURNAL_NAME}", b'{"journal": 1, "run": "x", "ope')
    service(fs).status([])
    assert not fs.exists(f"{HOME}/{JOURNAL_NAME}")


def test_read_only_commands_do_not_recover_while_another_run_holds_the_lock() -> None:
    fs = manage_world()
    crashing = FaultyFileSystem(fs, crash_after=20)
    with pytest.raises(SimulatedCrash):
        service(crashing, folding=False).manage(["big"])
    with fs.lock(HOME, wait=False):
        dot = service(fs)
        dot.inventory()
        assert "in progress" in dot.notices[0]
    assert fs.exists(f"{HOME}/{JOURNAL_NAME}")


def test_doctor_reports_an_unfinished_run_and_fix_recovers_it() -> None:
    fs = manage_world()
    before = state(fs)
    with pytest.raises(SimulatedCrash):
        service(FaultyFileSystem(fs, crash_after=30), folding=False).manage(["big"])
    report = service(fs).doctor()
    assert report.findings[0].problem.value == "unfinished-transaction"
    assert not report.healthy
    fixed = service(fs).doctor(fix=True)
    assert fixed.is_fixed(report.findings[0])
    assert state(fs) == before


def test_dry_run_never_recovers_but_says_a_recovery_is_waiting() -> None:
    fs = manage_world()
    with pytest.raises(SimulatedCrash):
        service(FaultyFileSystem(fs, crash_after=30), folding=False).manage(["big"])
    dot = service(fs, dry_run=True)
    dot.status([])
    assert "waiting to be rolled back" in dot.notices[0]
    assert fs.exists(f"{HOME}/{JOURNAL_NAME}")
