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
from collections.abc import Sequence

from dot.fs.port import FileSystem
from dot.sha import sha256

# A file to look at: its absolute path, and its old record's stat (None when new).
Item = tuple[str, "tuple[int, ...] | None"]

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


class Worker:
    """A forked child computing slots; `results` waits for it, `cancel` stops it."""

    def __init__(self, pid: int, items: Sequence[Item], shared: object) -> None:
        self.pid = pid
        self.items = items
        self.shared = shared

    def results(self) -> list[Slot] | None:
        """One slot per item, in order; None when the child failed (compute in line)."""
        import mmap

        shared = self.shared
        assert isinstance(shared, mmap.mmap)
        try:
            if not _reap(self.pid) or shared[len(shared) - 1 :] != _DONE:
                return None
            slots = list(_SLOT.iter_unpack(shared[: len(self.items) * _SLOT.size]))
        finally:
            shared.close()
        if any(slot[0] == EMPTY for slot in slots):
            return None
        return slots

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

    shared = mmap.mmap(-1, len(items) * _SLOT.size + 1)
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
    return Worker(pid, items, shared)


def _fill(fs: FileSystem, items: Sequence[Item], shared: object) -> None:  # pragma: no cover
    """In the child: every slot, then the done byte."""
    import mmap

    assert isinstance(shared, mmap.mmap)
    pack = _SLOT.pack_into
    size = _SLOT.size
    none = b"\0" * 32
    for index, (path, old) in enumerate(items):
        offset = index * size
        try:
            st = fs.lstat(path)
        except OSError:
            pack(shared, offset, GONE, 0, 0, 0, 0, none)
            continue
        fingerprint = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)
        if old is not None and old == fingerprint:
            pack(shared, offset, REUSE, *fingerprint, none)
            continue
        status, digest = PLAIN, none
        if stat.S_ISREG(st.st_mode):
            try:
                digest = sha256(fs.read_bytes(path)).digest()
                status = HASHED
            except PermissionError:
                status = DENIED
            except OSError:
                pass
        pack(shared, offset, status, *fingerprint, digest)
    shared[len(shared) - 1 :] = _DONE


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
