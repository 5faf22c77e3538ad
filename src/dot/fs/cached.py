"""A caching wrapper of the filesystem port: lstat, readlink and scandir results.

Within one command the same paths are often asked about more than once (doctor
walks the target and then checks each recorded link; remanage's quick check
reads links that planning then reads again). Results, including "no such file",
are remembered until a write through this wrapper touches the path or its parent
(or, for a rename, anything below it). Hits and misses are counted.

dot itself does not put it under its planner: the target view already remembers
what it read, and benchmarks/test_bench_caches.py showed no consistent gain from a
second cache below it (docs/Performance-Guide.md). It is an adapter for callers
on filesystems where `lstat` itself is slow; should it be used under a run, the
executor still verifies what it is about to change against the disk itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TypeVar

from dot.fs.port import EntryLike, FileSystem, StatLike

T = TypeVar("T")


class CachedFileSystem:
    """Delegates to `inner`, remembering what was read until it is written."""

    def __init__(self, inner: FileSystem) -> None:
        self.inner = inner
        self.hits = 0
        self.misses = 0
        self._stats: dict[str, StatLike | OSError] = {}
        self._links: dict[str, str | OSError] = {}
        self._listings: dict[str, list[EntryLike]] = {}
        self._lock = threading.Lock()

    # --- cached reads ------------------------------------------------------------

    def lstat(self, path: str) -> StatLike:
        return self._remembered(self._stats, path, self.inner.lstat)

    def readlink(self, path: str) -> str:
        return self._remembered(self._links, path, self.inner.readlink)

    def _remembered(self, table: dict[str, T | OSError], path: str, read: Callable[[str], T]) -> T:
        """`read(path)`, or its remembered answer (errors are remembered too)."""
        cached = table.get(path)
        if cached is None:
            self.misses += 1
            try:
                cached = read(path)
            except OSError as exc:
                cached = exc
            table[path] = cached
        else:
            self.hits += 1
        if isinstance(cached, OSError):
            raise cached
        return cached

    def scandir(self, path: str) -> Iterator[EntryLike]:
        cached = self._listings.get(path)
        if cached is None:
            self.misses += 1
            cached = list(self.inner.scandir(path))
            self._listings[path] = cached
        else:
            self.hits += 1
        return iter(cached)

    # --- uncached reads ------------------------------------------------------------

    def read_bytes(self, path: str) -> bytes:
        return self.inner.read_bytes(path)

    def realpath(self, path: str) -> str:
        return self.inner.realpath(path)

    def writable(self, path: str) -> bool:
        return self.inner.writable(path)

    def lock(self, path: str, wait: bool) -> AbstractContextManager[None]:
        return self.inner.lock(path, wait)

    # --- writes invalidate ---------------------------------------------------------

    def _forget(self, *paths: str, below: bool = False) -> None:
        with self._lock:
            for path in paths:
                parent = path.rpartition("/")[0] or "/"
                for table in (self._stats, self._links, self._listings):
                    table.pop(path, None)
                    if below:  # a moved directory takes everything below it along
                        prefix = path.rstrip("/") + "/"
                        for key in [k for k in table if k.startswith(prefix)]:
                            del table[key]
                self._listings.pop(parent, None)
                self._stats.pop(parent, None)

    def symlink(self, text: str, path: str) -> None:
        self._forget(path)
        self.inner.symlink(text, path)

    def unlink(self, path: str) -> None:
        self._forget(path)
        self.inner.unlink(path)

    def mkdir(self, path: str, mode: int | None = None) -> None:
        self._forget(path)
        self.inner.mkdir(path, mode)

    def rmdir(self, path: str) -> None:
        self._forget(path)
        self.inner.rmdir(path)

    def rename(self, src: str, dst: str) -> None:
        self._forget(src, dst, below=True)
        self.inner.rename(src, dst)

    def copy_file(self, src: str, dst: str) -> None:
        self._forget(dst)
        self.inner.copy_file(src, dst)

    def chmod(self, path: str, mode: int) -> None:
        self._forget(path)
        self.inner.chmod(path, mode)

    def write_atomic(self, path: str, data: bytes) -> None:
        self._forget(path)
        self.inner.write_atomic(path, data)

    def append(self, path: str, data: bytes, sync: bool) -> None:
        self._forget(path)
        self.inner.append(path, data, sync)
