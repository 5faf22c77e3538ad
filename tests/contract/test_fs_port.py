"""One suite, run on both the in-memory and the real-OS adapter: they must agree."""

from __future__ import annotations

import errno
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dot.errors import LockedError
from dot.fs.cached import CachedFileSystem
from dot.fs.local import LocalFileSystem
from dot.fs.memory import MemoryFileSystem
from dot.fs.port import FileSystem, kind_at
from dot.model import Kind


@pytest.fixture(params=["memory", "local", "cached"])
def fs_root(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[FileSystem, str]]:
    if request.param == "memory":
        fs = MemoryFileSystem()
        fs.makedirs("/root")
        yield fs, "/root"
    elif request.param == "cached":
        yield CachedFileSystem(LocalFileSystem()), str(tmp_path)
    else:
        yield LocalFileSystem(), str(tmp_path)


def write(fs: FileSystem, path: str, data: bytes = b"x") -> None:
    fs.write_atomic(path, data)


def test_symlink_readlink_lstat_do_not_follow(fs_root: tuple[FileSystem, str]) -> None:
    fs, root = fs_root
    fs.symlink("nowhere", f"{root}/dangling")
    assert fs.readlink(f"{root}/dangling") == "nowhere"
    assert kind_at(fs, f"{root}/dangling") is Kind.LINK
    assert kind_at(fs, f"{root}/absent") is Kind.MISSING
    fs.mkdir(f"{root}/d")
    fs.symlink("d", f"{root}/to-d")
    assert kind_at(fs, f"{root}/to-d") is Kind.LINK
    # intermediate components are followed, like the kernel does
    write(fs, f"{root}/to-d/f", b"hi")
    assert fs.read_bytes(f"{root}/d/f") == b"hi"
    assert fs.realpath(f"{root}/to-d/f") == fs.realpath(f"{root}/d/f")


def test_scandir_reports_kinds(fs_root: tuple[FileSystem, str]) -> None:
    fs, root = fs_root
    fs.mkdir(f"{root}/d")
    write(fs, f"{root}/f")
    fs.symlink("d", f"{root}/l")
    entries = {e.name: e for e in fs.scandir(root)}
    assert entries["d"].is_dir(follow_symlinks=False)
    assert entries["f"].is_file(follow_symlinks=False)
    assert entries["l"].is_symlink()
    assert not entries["l"].is_dir(follow_symlinks=False)
    assert stat.S_ISREG(entries["f"].stat(follow_symlinks=False).st_mode)


@pytest.mark.parametrize("mode", [0o700, 0o755, 0o775, 0o777, 0o2750])
def test_mkdir_with_a_mode_gets_exactly_that_mode(
    fs_root: tuple[FileSystem, str], mode: int
) -> None:
    """Not narrowed by the umask (022 or 002 here): 0o775 and 0o777 need a chmod."""
    fs, root = fs_root
    fs.mkdir(f"{root}/d", mode)
    assert stat.S_IMODE(fs.lstat(f"{root}/d").st_mode) == mode


def test_mkdir_with_a_mode_under_a_strict_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0o077)
    try:
        fs = LocalFileSystem()  # reads the umask at its first mkdir with a mode
        fs.mkdir(f"{tmp_path}/d", 0o755)
        fs.mkdir(f"{tmp_path}/e")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.lstat(tmp_path / "d").st_mode) == 0o755
    assert stat.S_IMODE(os.lstat(tmp_path / "e").st_mode) == 0o700


def test_errors_carry_the_usual_errno(fs_root: tuple[FileSystem, str]) -> None:
    fs, root = fs_root
    fs.mkdir(f"{root}/d")
    write(fs, f"{root}/d/f")
    with pytest.raises(FileExistsError):
        fs.mkdir(f"{root}/d")
    with pytest.raises(FileExistsError):
        fs.symlink("x", f"{root}/d/f")
    with pytest.raises(OSError) as info:
        fs.rmdir(f"{root}/d")
    assert info.value.errno in (errno.ENOTEMPTY, errno.EEXIST)
    with pytest.raises(FileNotFoundError):
        fs.unlink(f"{root}/missing")
    with pytest.raises(FileNotFoundError):
        fs.lstat(f"{root}/missing/deeper")
    with pytest.raises(NotADirectoryError):
        fs.mkdir(f"{root}/d/f/sub")


def test_rename_never_replaces_and_copy_keeps_mode(fs_root: tuple[FileSystem, str]) -> None:
    fs, root = fs_root
    write(fs, f"{root}/a", b"a")
    write(fs, f"{root}/b", b"b")
    with pytest.raises(FileExistsError):
        fs.rename(f"{root}/a", f"{root}/b")
    fs.rename(f"{root}/a", f"{root}/c")
    assert fs.read_bytes(f"{root}/c") == b"a"
    with pytest.raises(FileExistsError):
        fs.copy_file(f"{root}/c", f"{root}/b")
    fs.copy_file(f"{root}/c", f"{root}/d")
    assert fs.read_bytes(f"{root}/d") == b"a"
    assert stat.S_IMODE(fs.lstat(f"{root}/d").st_mode) == stat.S_IMODE(
        fs.lstat(f"{root}/c").st_mode
    )


def test_write_atomic_replaces_content(fs_root: tuple[FileSystem, str]) -> None:
    fs, root = fs_root
    write(fs, f"{root}/m", b"one")
    write(fs, f"{root}/m", b"two")
    assert fs.read_bytes(f"{root}/m") == b"two"
    assert sorted(e.name for e in fs.scandir(root)) == ["m"]  # no temp file left


def test_lock_is_exclusive(fs_root: tuple[FileSystem, str]) -> None:
    fs, root = fs_root
    with fs.lock(root, wait=False):
        if isinstance(fs, MemoryFileSystem):
            with pytest.raises(LockedError), fs.lock(root, wait=False):
                pass
        else:
            # flock is per open file description: a second open in this process contends.
            with pytest.raises(LockedError), LocalFileSystem().lock(root, wait=False):
                pass
    with fs.lock(root, wait=False):
        pass  # released


def test_the_cache_counts_and_forgets_what_is_written(tmp_path: Path) -> None:
    fs = CachedFileSystem(LocalFileSystem())
    root = str(tmp_path)
    assert kind_at(fs, f"{root}/x") is Kind.MISSING
    assert kind_at(fs, f"{root}/x") is Kind.MISSING
    assert (fs.hits, fs.misses) == (1, 1)
    fs.symlink("t", f"{root}/x")  # a write through the cache forgets the path
    assert kind_at(fs, f"{root}/x") is Kind.LINK
    assert fs.readlink(f"{root}/x") == "t"
    assert [e.name for e in fs.scandir(root)] == ["x"]
    fs.unlink(f"{root}/x")  # and the parent's listing
    assert [e.name for e in fs.scandir(root)] == []
    fs.mkdir(f"{root}/d")
    fs.symlink("t", f"{root}/d/l")
    assert fs.readlink(f"{root}/d/l") == "t"
    fs.rename(f"{root}/d", f"{root}/e")  # a moved directory takes its contents along
    assert kind_at(fs, f"{root}/d/l") is Kind.MISSING
    assert fs.readlink(f"{root}/e/l") == "t"
