"""A wrapper adapter that makes another filesystem slow, like a network mount.

`LatencyFileSystem(inner, delay=0.002)` passes every call through to `inner`;
mutating calls first sleep `delay` seconds (and reads `read_delay`, 0 by default).
`time.sleep` releases the GIL, so a thread pool overlaps the waits the way it
overlaps round trips to an NFS or SSHFS server: this is how the benchmarks show
what the executor's parallel levels buy on a slow filesystem.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from dot.fs.port import EntryLike, FileSystem, StatLike


class LatencyFileSystem:
    """Delegates to `inner`, sleeping before each call; counts the calls it delayed."""

    def __init__(self, inner: FileSystem, delay: float = 0.002, *, read_delay: float = 0.0) -> None:
        if delay < 0 or read_delay < 0:
            raise ValueError("delays must not be negative")
        self.inner = inner
        self.delay = delay
        self.read_delay = read_delay
        self.writes = 0
        self.reads = 0
        self._count = threading.Lock()

    def _write(self) -> None:
        with self._count:
            self.writes += 1
        if self.delay:
            time.sleep(self.delay)

    def _read(self) -> None:
        with self._count:
            self.reads += 1
        if self.read_delay:
            time.sleep(self.read_delay)

    # --- reads -------------------------------------------------------------------

    def lstat(self, path: str) -> StatLike:
        self._read()
        return self.inner.lstat(path)

    def readlink(self, path: str) -> str:
        self._read()
        return self.inner.readlink(path)

    def scandir(self, path: str) -> Iterator[EntryLike]:
        self._read()
        return self.inner.scandir(path)

    def read_bytes(self, path: str) -> bytes:
        self._read()
        return self.inner.read_bytes(path)

    def realpath(self, path: str) -> str:
        self._read()
        return self.inner.realpath(path)

    def writable(self, path: str) -> bool:
        self._read()
        return self.inner.writable(path)

    def lock(self, path: str, wait: bool) -> AbstractContextManager[None]:
        return self.inner.lock(path, wait)

    # --- writes ------------------------------------------------------------------

    def symlink(self, text: str, path: str) -> None:
        self._write()
        self.inner.symlink(text, path)

    def unlink(self, path: str) -> None:
        self._write()
        self.inner.unlink(path)

    def mkdir(self, path: str, mode: int | None = None) -> None:
        self._write()
        self.inner.mkdir(path, mode)

    def rmdir(self, path: str) -> None:
        self._write()
        self.inner.rmdir(path)

    def rename(self, src: str, dst: str) -> None:
        self._write()
        self.inner.rename(src, dst)

    def copy_file(self, src: str, dst: str) -> None:
        self._write()
        self.inner.copy_file(src, dst)

    def chmod(self, path: str, mode: int) -> None:
        self._write()
        self.inner.chmod(path, mode)

    def write_atomic(self, path: str, data: bytes) -> None:
        self._write()
        self.inner.write_atomic(path, data)

    def append(self, path: str, data: bytes, sync: bool) -> None:
        self._write()
        self.inner.append(path, data, sync)


if TYPE_CHECKING:  # mypy proves the wrapper still satisfies the whole port

    def _conforms(fs: LatencyFileSystem) -> FileSystem:
        return fs
