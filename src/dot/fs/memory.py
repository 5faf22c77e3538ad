"""An in-memory filesystem with POSIX semantics, for fast tests and benchmarks.

It follows symlinks in intermediate path components like the kernel does, keeps
permissions on directories (a directory without the write bit refuses changes),
and is safe to use from the executor's worker threads.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import stat as stat_module
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from dot.errors import LockedError
from dot.fs.port import StatLike

_MAX_LINKS = 40


@dataclass(slots=True)
class _Node:
    mode: int
    ino: int
    mtime_ns: int
    data: bytes = b""
    text: str = ""
    children: dict[str, _Node] = field(default_factory=dict)

    @property
    def is_dir(self) -> bool:
        return stat_module.S_ISDIR(self.mode)

    @property
    def is_link(self) -> bool:
        return stat_module.S_ISLNK(self.mode)


@dataclass(frozen=True, slots=True)
class MemoryStat:
    """A stat result of the in-memory filesystem."""

    st_mode: int
    st_size: int
    st_mtime_ns: int
    st_ino: int


@dataclass(frozen=True, slots=True)
class MemoryEntry:
    """A directory entry of the in-memory filesystem."""

    name: str
    path: str
    _stat: MemoryStat

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        return stat_module.S_ISDIR(self._stat.st_mode)

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        return stat_module.S_ISREG(self._stat.st_mode)

    def is_symlink(self) -> bool:
        return stat_module.S_ISLNK(self._stat.st_mode)

    def stat(self, *, follow_symlinks: bool = True) -> StatLike:
        return self._stat


def _err(code: int, path: str) -> OSError:
    exc_type: type[OSError] = {
        errno.ENOENT: FileNotFoundError,
        errno.EEXIST: FileExistsError,
        errno.ENOTDIR: NotADirectoryError,
        errno.EISDIR: IsADirectoryError,
        errno.EACCES: PermissionError,
    }.get(code, OSError)
    return exc_type(code, os.strerror(code), path)


class MemoryFileSystem:
    """A whole filesystem in a dict tree; paths are absolute POSIX strings."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._ino = 1
        self._clock = 1_700_000_000_000_000_000
        self._root = _Node(stat_module.S_IFDIR | 0o755, 1, self._clock)
        self._locks: set[str] = set()

    # --- helpers -------------------------------------------------------------

    def _tick(self) -> int:
        self._clock += 1000
        return self._clock

    def advance(self, seconds: float) -> None:
        """Let time pass: later changes get modification times that much later."""
        with self._lock:
            self._clock += int(seconds * 1_000_000_000)

    def _new(self, mode: int, **kwargs: object) -> _Node:
        self._ino += 1
        return _Node(mode, self._ino, self._tick(), **kwargs)  # type: ignore[arg-type]

    def _walk(self, path: str, follow_last: bool, depth: int = 0) -> tuple[_Node, str]:
        """Return (node, real path) of `path`; raise ENOENT/ENOTDIR like the kernel."""
        if not path.startswith("/"):
            raise ValueError(f"memory filesystem needs absolute paths: {path!r}")
        node = self._root
        real = ""
        parts = [p for p in path.split("/") if p and p != "."]
        last = len(parts) - 1
        for index, part in enumerate(parts):
            if part == "..":
                real = real.rpartition("/")[0]
                node, real = self._walk(real or "/", True, depth)
                real = "" if real == "/" else real
                continue
            if not stat_module.S_ISDIR(node.mode):
                raise _err(errno.ENOTDIR, path)
            child = node.children.get(part)
            if child is None:
                raise _err(errno.ENOENT, path)
            child_path = f"{real}/{part}"
            if stat_module.S_ISLNK(child.mode) and (follow_last or index != last):
                if depth > _MAX_LINKS:
                    raise _err(errno.ELOOP, path)
                text = child.text
                target = text if text.startswith("/") else f"{real}/{text}"
                child, child_path = self._walk(target, True, depth + 1)
                child_path = "" if child_path == "/" else child_path
            node, real = child, child_path
        return node, real or "/"

    def _parent(self, path: str) -> tuple[_Node, str]:
        head, name = posixpath.split(path.rstrip("/"))
        if not name:
            raise _err(errno.EEXIST, path)
        directory, _ = self._walk(head or "/", True)
        if not directory.is_dir:
            raise _err(errno.ENOTDIR, path)
        return directory, name

    def _writable(self, directory: _Node, path: str) -> None:
        if not directory.mode & 0o200:
            raise _err(errno.EACCES, path)

    def _stat(self, node: _Node) -> MemoryStat:
        size = len(node.data) if not node.is_link else len(node.text)
        if node.is_dir:
            size = 4096
        return MemoryStat(node.mode, size, node.mtime_ns, node.ino)

    # --- the port ------------------------------------------------------------

    def lstat(self, path: str) -> StatLike:
        with self._lock:
            node, _ = self._walk(path, False)
            return self._stat(node)

    def readlink(self, path: str) -> str:
        with self._lock:
            node, _ = self._walk(path, False)
            if not node.is_link:
                raise _err(errno.EINVAL, path)
            return node.text

    def scandir(self, path: str) -> Iterator[MemoryEntry]:
        with self._lock:
            node, _ = self._walk(path, True)
            if not node.is_dir:
                raise _err(errno.ENOTDIR, path)
            if not node.mode & 0o400:
                raise _err(errno.EACCES, path)
            base = path.rstrip("/")
            entries = [
                MemoryEntry(name, f"{base}/{name}", self._stat(child))
                for name, child in node.children.items()
            ]
        return iter(entries)

    def read_bytes(self, path: str) -> bytes:
        with self._lock:
            node, _ = self._walk(path, True)
            if node.is_dir:
                raise _err(errno.EISDIR, path)
            if not node.mode & 0o400:
                raise _err(errno.EACCES, path)
            return node.data

    def realpath(self, path: str) -> str:
        with self._lock:
            try:
                _, real = self._walk(path, True)
            except OSError:
                return posixpath.normpath(path)
            return real

    def symlink(self, text: str, path: str) -> None:
        with self._lock:
            directory, name = self._parent(path)
            self._writable(directory, path)
            if name in directory.children:
                raise _err(errno.EEXIST, path)
            directory.children[name] = self._new(stat_module.S_IFLNK | 0o777, text=text)
            directory.mtime_ns = self._tick()

    def unlink(self, path: str) -> None:
        with self._lock:
            directory, name = self._parent(path)
            node = directory.children.get(name)
            if node is None:
                raise _err(errno.ENOENT, path)
            if node.is_dir:
                raise _err(errno.EISDIR, path)
            self._writable(directory, path)
            del directory.children[name]
            directory.mtime_ns = self._tick()

    def mkdir(self, path: str, mode: int | None = None) -> None:
        with self._lock:
            directory, name = self._parent(path)
            self._writable(directory, path)
            if name in directory.children:
                raise _err(errno.EEXIST, path)
            bits = 0o755 if mode is None else mode
            directory.children[name] = self._new(stat_module.S_IFDIR | bits)
            directory.mtime_ns = self._tick()

    def rmdir(self, path: str) -> None:
        with self._lock:
            directory, name = self._parent(path)
            node = directory.children.get(name)
            if node is None:
                raise _err(errno.ENOENT, path)
            if not node.is_dir:
                raise _err(errno.ENOTDIR, path)
            if node.children:
                raise _err(errno.ENOTEMPTY, path)
            self._writable(directory, path)
            del directory.children[name]
            directory.mtime_ns = self._tick()

    def rename(self, src: str, dst: str) -> None:
        with self._lock:
            src_dir, src_name = self._parent(src)
            dst_dir, dst_name = self._parent(dst)
            node = src_dir.children.get(src_name)
            if node is None:
                raise _err(errno.ENOENT, src)
            if dst_name in dst_dir.children:
                raise _err(errno.EEXIST, dst)
            self._writable(src_dir, src)
            self._writable(dst_dir, dst)
            del src_dir.children[src_name]
            dst_dir.children[dst_name] = node
            src_dir.mtime_ns = dst_dir.mtime_ns = self._tick()

    def copy_file(self, src: str, dst: str) -> None:
        with self._lock:
            node, _ = self._walk(src, False)
            directory, name = self._parent(dst)
            self._writable(directory, dst)
            if name in directory.children:
                raise _err(errno.EEXIST, dst)
            copy = self._new(node.mode, data=node.data, text=node.text)
            copy.mtime_ns = node.mtime_ns
            directory.children[name] = copy
            directory.mtime_ns = self._tick()

    def write_atomic(self, path: str, data: bytes) -> None:
        with self._lock:
            directory, name = self._parent(path)
            self._writable(directory, path)
            existing = directory.children.get(name)
            if existing is not None and existing.is_dir:
                raise _err(errno.EISDIR, path)
            directory.children[name] = self._new(stat_module.S_IFREG | 0o644, data=data)
            directory.mtime_ns = self._tick()

    def append(self, path: str, data: bytes, sync: bool) -> None:
        with self._lock:
            directory, name = self._parent(path)
            existing = directory.children.get(name)
            if existing is None:
                self._writable(directory, path)
                directory.children[name] = self._new(stat_module.S_IFREG | 0o644, data=data)
                directory.mtime_ns = self._tick()
            elif existing.is_dir:
                raise _err(errno.EISDIR, path)
            else:
                existing.data += data
                existing.mtime_ns = self._tick()

    def writable(self, path: str) -> bool:
        with self._lock:
            try:
                node, _ = self._walk(path, True)
            except OSError:
                return False
            return bool(node.mode & 0o200)

    @contextlib.contextmanager
    def lock(self, path: str, wait: bool) -> Iterator[None]:
        with self._lock:
            if path in self._locks:
                raise LockedError(f"another dot process is changing {path}")
            self._locks.add(path)
        try:
            yield
        finally:
            with self._lock:
                self._locks.discard(path)

    # --- conveniences for tests and benchmarks -------------------------------

    def write(self, path: str, data: bytes | str = b"", mode: int = 0o644) -> None:
        """Create a regular file (and its parent directories)."""
        self.makedirs(posixpath.dirname(path))
        payload = data.encode() if isinstance(data, str) else data
        with self._lock:
            directory, name = self._parent(path)
            directory.children[name] = self._new(stat_module.S_IFREG | mode, data=payload)
            directory.mtime_ns = self._tick()

    def makedirs(self, path: str) -> None:
        """Create a directory and its parents; existing ones are fine."""
        with self._lock:
            prefix = ""
            for part in [p for p in path.split("/") if p]:
                prefix = f"{prefix}/{part}"
                try:
                    node, _ = self._walk(prefix, True)
                except FileNotFoundError:
                    directory, name = self._parent(prefix)
                    directory.children[name] = self._new(stat_module.S_IFDIR | 0o755)
                    directory.mtime_ns = self._tick()  # as a real mkdir does
                    continue
                if not node.is_dir:
                    raise _err(errno.ENOTDIR, path)

    def chmod(self, path: str, mode: int) -> None:
        """Change the permission bits of the node at `path` (no symlink following)."""
        with self._lock:
            node, _ = self._walk(path, False)
            node.mode = stat_module.S_IFMT(node.mode) | mode

    def mkfifo(self, path: str) -> None:
        """Create a special file, for conflict tests."""
        with self._lock:
            directory, name = self._parent(path)
            directory.children[name] = self._new(stat_module.S_IFIFO | 0o644)
            directory.mtime_ns = self._tick()

    def clone(self) -> MemoryFileSystem:
        """An independent copy of the whole filesystem (cheaper than rebuilding it)."""

        def copy(node: _Node) -> _Node:
            twin = _Node(node.mode, node.ino, node.mtime_ns, node.data, node.text)
            twin.children = {name: copy(child) for name, child in node.children.items()}
            return twin

        with self._lock:
            other = MemoryFileSystem()
            other._root = copy(self._root)
            other._ino = self._ino
            other._clock = self._clock
            return other

    def exists(self, path: str) -> bool:
        """True when something (even a dangling link) is at `path`."""
        with self._lock:
            try:
                self._walk(path, False)
            except OSError:
                return False
            return True

    def snapshot(self, path: str = "/") -> dict[str, tuple[str, str | bytes, int]]:
        """Every node below `path`: relative path -> (type, content or link text, mode)."""
        with self._lock:
            top, _ = self._walk(path, True)
            out: dict[str, tuple[str, str | bytes, int]] = {}

            def visit(node: _Node, rel: str) -> None:
                for name, child in sorted(node.children.items()):
                    sub = f"{rel}/{name}" if rel else name
                    perm = stat_module.S_IMODE(child.mode)
                    if child.is_link:
                        out[sub] = ("link", child.text, perm)
                    elif child.is_dir:
                        out[sub] = ("dir", b"", perm)
                        visit(child, sub)
                    elif stat_module.S_ISREG(child.mode):
                        out[sub] = ("file", child.data, perm)
                    else:
                        out[sub] = ("other", b"", perm)

            visit(top, "")
            return out
