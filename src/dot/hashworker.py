"""Fingerprints and SHA-256 of many package files, in a forked child process.

Hashing every file of a large `manage` is a fifth of its time, all of it on one
CPU while the other waits. `start` forks a child that stats and hashes the files
while the parent plans; results come back through an anonymous shared mapping,
one fixed-size slot per file, so nothing is pickled and the child never blocks
on a pipe. The child only reads (the forked copy of the filesystem port), writes
nothing but its slots and leaves with `os._exit`, so none of the parent's
buffers, handlers or locks run in it.

Used only where it pays and is safe: enough files, a second CPU, `os.fork`, and
no other thread in the process (a fork copies only the calling thread, and a lock
held by another could never be released in the child). Anything unexpected (the
fork fails, the child dies or reports a failure) returns no results, and the
caller computes in line: the worker can make a run faster, never different.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import struct
import threading
from collections.abc import Callable, Iterator, Sequence

from dot.fs.port import FileSystem, StatLike
from dot.sha import sha256

# A file to look at: its absolute path, and its old record's stat (None when new).
Item = tuple[str, "tuple[int, ...] | None"]

_NONE = b"\0" * 32  # the digest of a slot without one

# What became of one file: (status, size, mtime_ns, ino, mode, SHA-256 digest).
Slot = tuple[int, int, int, int, int, bytes]

_SLOT = struct.Struct("=BqqQI32s")  # status, size, mtime_ns, ino, mode, digest
# A slot's status: not written; hashed (digest set); a file not hashed (not regular,
# or unreadable: no digest); the stat equals the old record's (keep its hash); gone
# (lstat failed); permission denied on reading it.
EMPTY, HASHED, PLAIN, REUSE, GONE, DENIED = range(6)
_DONE = b"\x01"  # the last byte of the mapping: set by the child when every slot is written


def possible() -> bool:
    """True when a worker may start here (the caller judges whether it pays)."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


# The shared mapping: the child's progress (items done, a hint), the limit the parent
# may set (the child stops there: the parent takes the rest), the slots, a done byte.
_COUNTER = struct.Struct("=q")
_PROGRESS, _LIMIT, _SLOTS = 0, 8, 16
_REPORT_EVERY = 64  # items between two progress reports


class Worker:
    """A forked child computing slots; `results` shares out what is left and waits,
    `cancel` stops it."""

    def __init__(self, fs: FileSystem, pid: int, items: Sequence[Item], shared: object) -> None:
        self.fs = fs
        self.pid = pid
        self.items = items
        self.shared = shared

    def results(self) -> list[Slot] | None:
        """One slot per item, in order; None when the child failed (compute in line).

        If the child is not done, the parent takes the second half of what is left
        (from the child's last report) and computes it itself: the child stops at
        the limit set here. Only hints cross between the processes while both run;
        the child's slots are read after it has exited.
        """
        import mmap

        shared = self.shared
        assert isinstance(shared, mmap.mmap)
        count = len(self.items)
        mine: list[Slot] = []
        try:
            limit = count
            if not _exited(self.pid):
                done = _COUNTER.unpack_from(shared, _PROGRESS)[0]
                left = count - done
                if left > 2 * _REPORT_EVERY:
                    limit = done + left // 2
                    _COUNTER.pack_into(shared, _LIMIT, limit)
                    mine = list(_looker(self.fs)(self.fs, self.items[limit:]))
            if not _reap(self.pid) or shared[len(shared) - 1 :] != _DONE:
                return None
            slots = list(_SLOT.iter_unpack(shared[_SLOTS : _SLOTS + limit * _SLOT.size]))
        finally:
            shared.close()
        if any(slot[0] == EMPTY for slot in slots):
            return None
        return slots + mine

    def cancel(self) -> None:
        """Stop the child (if still running) and forget its results."""
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        _reap(self.pid)
        with contextlib.suppress(Exception):
            self.shared.close()  # type: ignore[attr-defined]


def start(fs: FileSystem, items: Sequence[Item]) -> Worker | None:
    """Fork a worker for `items`, or None when it is not worth it or cannot start."""
    if not items or not possible():
        return None
    import mmap

    shared = mmap.mmap(-1, _SLOTS + len(items) * _SLOT.size + 1)
    _COUNTER.pack_into(shared, _LIMIT, len(items))
    try:
        pid = os.fork()
    except OSError:
        shared.close()
        return None
    if pid == 0:  # pragma: no cover - runs in the child, which leaves by os._exit
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _fill(fs, items, shared)
            code = 0
        finally:
            os._exit(code)
    return Worker(fs, pid, items, shared)


def _looker(fs: FileSystem) -> Callable[[FileSystem, Sequence[Item]], Iterator[Slot]]:
    from dot.fs.local import LocalFileSystem

    return _look_local if type(fs) is LocalFileSystem else _look


def _fill(fs: FileSystem, items: Sequence[Item], shared: object) -> None:  # pragma: no cover
    """In the child: slots up to the limit (the parent may lower it), then done."""
    import mmap

    assert isinstance(shared, mmap.mmap)
    pack = _SLOT.pack_into
    size = _SLOT.size
    limit = _COUNTER.unpack_from
    report = _COUNTER.pack_into
    for index, slot in enumerate(_looker(fs)(fs, items)):
        if index % _REPORT_EVERY == 0:
            report(shared, _PROGRESS, index)
            if index >= limit(shared, _LIMIT)[0]:
                break
        pack(shared, _SLOTS + index * size, *slot)
    shared[len(shared) - 1 :] = _DONE


def _slot(
    st: os.stat_result | StatLike, old: tuple[int, ...] | None, read: Callable[[], bytes]
) -> Slot:
    """One file's slot from its `lstat`: reused, hashed (`read` gives the content),
    denied, or plain (not a regular file, or unreadable otherwise)."""
    fingerprint = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)
    if old is not None and old == fingerprint:
        return (REUSE, *fingerprint, _NONE)
    if stat.S_ISREG(st.st_mode):
        try:
            return (HASHED, *fingerprint, sha256(read()).digest())
        except PermissionError:
            return (DENIED, *fingerprint, _NONE)
        except OSError:
            pass
    return (PLAIN, *fingerprint, _NONE)


_GONE_SLOT: Slot = (GONE, 0, 0, 0, 0, _NONE)


def _look(fs: FileSystem, items: Sequence[Item]) -> Iterator[Slot]:  # pragma: no cover
    """Each item's slot, through the filesystem port."""
    for path, old in items:
        try:
            st = fs.lstat(path)
        except OSError:
            yield _GONE_SLOT
            continue
        yield _slot(st, old, lambda path=path: fs.read_bytes(path))  # type: ignore[misc]


def _read_all(fd: int, size: int) -> bytes:
    """The file open at `fd`: one read when it is `size` bytes, as stat'ed."""
    try:
        chunks = [os.read(fd, size + 1)]
        if len(chunks[0]) != size:  # changed since the stat: read it all
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _look_local(fs: FileSystem, items: Sequence[Item]) -> Iterator[Slot]:  # pragma: no cover
    """`_look` on the real OS, the same slots with fewer path lookups: one open
    directory per directory (the items of one directory come together), names
    relative to it, and a file read in one call when its size is as stat'ed."""
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    here, dfd = "", -1
    try:
        for path, old in items:
            directory, _, name = path.rpartition("/")
            if directory != here:
                if dfd >= 0:
                    os.close(dfd)
                    dfd = -1
                here = directory
                with contextlib.suppress(OSError):
                    dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            at = dfd
            try:
                st = os.lstat(name, dir_fd=at) if at >= 0 else os.lstat(path)
            except OSError:
                yield _GONE_SLOT
                continue

            def read(
                name: str = name, at: int = at, path: str = path, size: int = st.st_size
            ) -> bytes:
                fd = os.open(name, flags, dir_fd=at) if at >= 0 else os.open(path, flags)
                return _read_all(fd, size)

            yield _slot(st, old, read)
    finally:
        if dfd >= 0:
            os.close(dfd)


def _exited(pid: int) -> bool:
    """True when the child has exited already (it is then reaped by `_reap` alone)."""
    if not hasattr(os, "waitid"):  # pragma: no cover - (macOS): share the work anyway
        return False
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _reap(pid: int) -> bool:
    """Wait for the child; True when it exited with status 0."""
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return False
        except InterruptedError:  # pragma: no cover - retried by Python itself
            continue
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
