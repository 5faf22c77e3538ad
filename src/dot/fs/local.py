"""The real-OS adapter of the filesystem port."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator

from dot.errors import LockedError
from dot.fs.port import EntryLike, StatLike, temporary_name


class LocalFileSystem:
    """Direct `os` calls; the fastest adapter and the one users run."""

    _mask: int | None = None  # the process umask, read at the first mkdir with a mode

    def lstat(self, path: str) -> StatLike:
        return os.lstat(path)

    def readlink(self, path: str) -> str:
        return os.readlink(path)

    def scandir(self, path: str) -> Iterator[EntryLike]:
        with os.scandir(path) as it:
            yield from it

    def read_bytes(self, path: str) -> bytes:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            chunks = []
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        finally:
            os.close(fd)

    def realpath(self, path: str) -> str:
        return os.path.realpath(path)

    def symlink(self, text: str, path: str) -> None:
        os.symlink(text, path)

    def unlink(self, path: str) -> None:
        os.unlink(path)

    def mkdir(self, path: str, mode: int | None = None) -> None:
        if mode is None:
            os.mkdir(path)
            return
        os.mkdir(path, mode)
        if self._mask is None:
            self._mask = _umask()
        # The umask took bits away, or special bits mkdir may not set: put them back.
        if mode & (self._mask | 0o7000):
            try:
                os.chmod(path, mode)
            except OSError:
                os.rmdir(path)
                raise

    def rmdir(self, path: str) -> None:
        os.rmdir(path)

    def rename(self, src: str, dst: str) -> None:
        if os.path.lexists(dst):
            # os.rename would silently replace a file; dot never replaces by rename.
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
        try:
            os.rename(src, dst)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            import shutil  # rarely needed: it costs 4 ms of start-up (bz2, lzma)

            shutil.move(src, dst)

    def copy_file(self, src: str, dst: str) -> None:
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
        import shutil

        shutil.copy2(src, dst, follow_symlinks=False)

    def chmod(self, path: str, mode: int) -> None:
        os.chmod(path, mode)

    def write_atomic(self, path: str, data: bytes) -> None:
        directory = os.path.dirname(path)
        tmp = os.path.join(directory, temporary_name(os.path.basename(path), os.getpid()))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(directory)

    def append(self, path: str, data: bytes, sync: bool) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, data)
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def writable(self, path: str) -> bool:
        return os.access(
            path, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids
        )

    @contextlib.contextmanager
    def lock(self, path: str, wait: bool) -> Iterator[None]:
        """Hold an exclusive flock on `path` (the target directory) while inside."""
        fd = os.open(path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise LockedError(
                    f"another dot process is changing {path}; try again when it has "
                    "finished (or pass --wait)"
                ) from None
            yield
        finally:
            os.close(fd)


def _fsync_dir(directory: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    """The process umask, without changing it (Linux reports it in /proc)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it (and back at once)
    os.umask(mask)
    return mask
