"""A wrapper adapter that counts writes and injects failures, for tests.

`FaultyFileSystem(inner, fail_at=N, error=errno.EIO)` lets the first N mutating
calls through and makes call N+1 fail with that errno; `crash_after=N` raises
`SimulatedCrash` (a BaseException, like a kill) after the Nth mutating call has
completed. Every mutating call is logged, so a test can assert "zero writes".
"""

from __future__ import annotations

import errno as errno_module
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager

from dot.fs.port import EntryLike, FileSystem, StatLike

MUTATING = (
    "symlink",
    "unlink",
    "mkdir",
    "rmdir",
    "rename",
    "copy_file",
    "chmod",
    "write_atomic",
    "append",
)


class SimulatedCrash(BaseException):
    """Raised to stop a run abruptly, as if the process had been killed."""


class FaultyFileSystem:
    """Delegates to `inner`; counts mutating calls and fails or crashes on cue."""

    def __init__(
        self,
        inner: FileSystem,
        *,
        fail_at: int | None = None,
        error: int = errno_module.EIO,
        crash_after: int | None = None,
        only: tuple[str, ...] = MUTATING,
    ) -> None:
        self.inner = inner
        self.fail_at = fail_at
        self.error = error
        self.crash_after = crash_after
        self.only = only
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    @property
    def writes(self) -> int:
        return len(self.calls)

    def _mutate(self, name: str, path: str) -> None:
        if name not in self.only:
            return
        with self._lock:
            index = len(self.calls)
            if self.fail_at is not None and index == self.fail_at:
                self.fail_at = None  # fail once; rollback must be able to proceed
                raise OSError(self.error, os.strerror(self.error), path)
            self.calls.append((name, path))

    def _after(self) -> None:
        if self.crash_after is not None and len(self.calls) >= self.crash_after:
            self.crash_after = None
            raise SimulatedCrash

    # reads pass straight through
    def lstat(self, path: str) -> StatLike:
        return self.inner.lstat(path)

    def readlink(self, path: str) -> str:
        return self.inner.readlink(path)

    def scandir(self, path: str) -> Iterator[EntryLike]:
        return self.inner.scandir(path)

    def read_bytes(self, path: str) -> bytes:
        return self.inner.read_bytes(path)

    def realpath(self, path: str) -> str:
        return self.inner.realpath(path)

    def lock(self, path: str, wait: bool) -> AbstractContextManager[None]:
        return self.inner.lock(path, wait)

    def writable(self, path: str) -> bool:
        return self.inner.writable(path)

    # writes are counted and may fail
    def symlink(self, text: str, path: str) -> None:
        self._mutate("symlink", path)
        self.inner.symlink(text, path)
        self._after()

    def unlink(self, path: str) -> None:
        self._mutate("unlink", path)
        self.inner.unlink(path)
        self._after()

    def mkdir(self, path: str, mode: int | None = None) -> None:
        self._mutate("mkdir", path)
        self.inner.mkdir(path, mode)
        self._after()

    def rmdir(self, path: str) -> None:
        self._mutate("rmdir", path)
        self.inner.rmdir(path)
        self._after()

    def rename(self, src: str, dst: str) -> None:
        self._mutate("rename", src)
        self.inner.rename(src, dst)
        self._after()

    def copy_file(self, src: str, dst: str) -> None:
        self._mutate("copy_file", dst)
        self.inner.copy_file(src, dst)
        self._after()

    def chmod(self, path: str, mode: int) -> None:
        self._mutate("chmod", path)
        self.inner.chmod(path, mode)
        self._after()

    def append(self, path: str, data: bytes, sync: bool) -> None:
        self._mutate("append", path)
        self.inner.append(path, data, sync)
        self._after()

    def write_atomic(self, path: str, data: bytes) -> None:
        self._mutate("write_atomic", path)
        self.inner.write_atomic(path, data)
        self._after()
