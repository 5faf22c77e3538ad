"""The filesystem port: the only way the pipeline touches a filesystem.

Adapters satisfy these Protocols structurally (no inheritance). Every method takes
absolute paths and raises `OSError` subclasses with the usual `errno` values, so
the real OS, the in-memory adapter and test doubles behave alike.
"""

from __future__ import annotations

import stat as stat_module
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from dot.model import Kind


class StatLike(Protocol):
    """The fields of `os.stat_result` that dot reads."""

    @property
    def st_mode(self) -> int: ...
    @property
    def st_size(self) -> int: ...
    @property
    def st_mtime_ns(self) -> int: ...
    @property
    def st_ino(self) -> int: ...


class EntryLike(Protocol):
    """The parts of `os.DirEntry` that dot reads."""

    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    def is_dir(self, *, follow_symlinks: bool = True) -> bool: ...
    def is_file(self, *, follow_symlinks: bool = True) -> bool: ...
    def is_symlink(self) -> bool: ...
    def stat(self, *, follow_symlinks: bool = True) -> StatLike: ...


class FileSystem(Protocol):
    """Primitive filesystem operations (absolute paths, OSError on failure)."""

    def lstat(self, path: str) -> StatLike: ...
    def readlink(self, path: str) -> str: ...
    def scandir(self, path: str) -> Iterator[EntryLike]: ...
    def read_bytes(self, path: str) -> bytes: ...
    def realpath(self, path: str) -> str: ...
    def symlink(self, text: str, path: str) -> None: ...
    def unlink(self, path: str) -> None: ...
    def mkdir(self, path: str, mode: int | None = None) -> None:
        """Make a directory; with `mode`, its permission bits are exactly `mode`
        (not narrowed by the umask), and no directory is left when they cannot be."""
        ...

    def rmdir(self, path: str) -> None: ...
    def rename(self, src: str, dst: str) -> None: ...
    def copy_file(self, src: str, dst: str) -> None: ...
    def chmod(self, path: str, mode: int) -> None: ...
    def write_atomic(self, path: str, data: bytes) -> None:
        """Replace `path` with `data` in one step. An adapter that writes a temporary
        file first names it `temporary_name(name, pid)` next to `path`, so that what a
        process killed mid-write leaves behind can be found (`is_temporary_of`)."""
        ...

    def append(self, path: str, data: bytes, sync: bool) -> None: ...
    def writable(self, path: str) -> bool: ...
    def lock(self, path: str, wait: bool) -> AbstractContextManager[None]: ...


def temporary_name(name: str, pid: int) -> str:
    """The name of `write_atomic`'s temporary file for the file `name`."""
    return f".{name}.{pid}.tmp"


def is_temporary_of(entry: str, name: str) -> bool:
    """True when `entry` is a temporary file `write_atomic` of `name` left behind."""
    prefix = f".{name}."
    return entry.startswith(prefix) and entry.endswith(".tmp") and entry[len(prefix) : -4].isdigit()


def kind_of_mode(mode: int) -> Kind:
    """The Kind of an lstat mode."""
    if stat_module.S_ISLNK(mode):
        return Kind.LINK
    if stat_module.S_ISDIR(mode):
        return Kind.DIR
    if stat_module.S_ISREG(mode):
        return Kind.FILE
    return Kind.OTHER


def kind_of_entry(entry: EntryLike) -> Kind:
    """The Kind of a directory entry, without a stat call where the OS tells the type."""
    if entry.is_symlink():
        return Kind.LINK
    if entry.is_dir(follow_symlinks=False):
        return Kind.DIR
    if entry.is_file(follow_symlinks=False):
        return Kind.FILE
    return Kind.OTHER


def kind_at(fs: FileSystem, path: str) -> Kind:
    """The Kind at `path`, MISSING when nothing is there."""
    try:
        return kind_of_mode(fs.lstat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return Kind.MISSING
