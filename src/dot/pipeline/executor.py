"""Executor: runs dependency levels through the FS port, all or nothing.

Each completed operation leaves a `Done` record that says how to undo it. If any
operation fails (or the run is interrupted), the completed ones are undone in
reverse order and directories the run created are removed, so the target is as it
was. Files removed under `overwrite` are only moved aside until `commit`.
"""

from __future__ import annotations

import contextlib
import errno
import posixpath
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from dot.errors import ExecutionError, Interrupted, PermissionDenied
from dot.fs.port import FileSystem, kind_of_mode
from dot.model import (
    Adopt,
    Backup,
    CopyBack,
    Delete,
    Kind,
    Levels,
    Link,
    Mkdir,
    Operation,
    Restore,
    Rmdir,
    Take,
    Unlink,
    verb,
)
from dot.paths import Layout

if TYPE_CHECKING:
    from concurrent.futures import Future

# Below this many operations a thread pool costs more than it saves.
PARALLEL_THRESHOLD = 64
# Operations slower than this (seconds) suggest a high-latency filesystem.
SLOW_OPERATION = 0.0005
PROBE_SIZE = 16
AUTO_WORKERS = 8


class Done:
    """A completed operation and what it takes to undo it (one per operation run,
    so a plain slotted class: cheaper to make than a frozen dataclass)."""

    __slots__ = ("aside", "created", "mode", "op", "removed")

    def __init__(
        self,
        op: Operation,
        created: tuple[str, ...] = (),  # directories this operation created (absolute)
        removed: tuple[str, ...] = (),  # directories this operation removed (absolute)
        aside: str = "",  # where a deleted item waits until commit
        mode: int | None = None,  # a removed directory's permission bits
    ) -> None:
        self.op = op
        self.created = created
        self.removed = removed
        self.aside = aside
        self.mode = mode


class Stats:
    """What the executor did: counts and the strategy it chose."""

    __slots__ = ("operations", "parallel_levels", "seconds", "workers")

    def __init__(self) -> None:
        self.operations = 0
        self.parallel_levels = 0
        self.workers = 1
        self.seconds = 0.0


class Transaction:
    """Completed work of one run; `rollback` undoes it, `commit` finalises it.

    (Plain classes here: `dataclasses` costs start-up time every command would pay.)
    """

    __slots__ = ("done", "fs", "layout", "rolled_back", "stats", "trash")

    def __init__(self, fs: FileSystem, layout: Layout, trash: str) -> None:
        self.fs = fs
        self.layout = layout
        self.trash = trash
        self.done: list[Done] = []
        self.stats = Stats()
        self.rolled_back = False

    def rollback(self) -> list[str]:
        """Undo every completed operation, newest first; return what could not be undone."""
        problems: list[str] = []
        made: list[str] = []
        for item in reversed(self.done):
            try:
                _undo(self.fs, self.layout, item)
            except OSError as exc:
                problems.append(f"{verb(item.op)} {item.op.path}: {exc.strerror or exc}")
            made.extend(item.created)
        for directory in sorted(set(made), key=lambda p: p.count("/"), reverse=True):
            with contextlib.suppress(OSError):
                self.fs.rmdir(directory)
        self._drop_trash()
        self.done.clear()
        self.rolled_back = not problems
        return problems

    def commit(self) -> None:
        """Delete what `overwrite` moved aside; the run can no longer be undone.

        Best effort: the run has already succeeded, so a failure here only leaves
        the moved-aside files in dot's trash directory.
        """
        with contextlib.suppress(OSError):
            self._drop_trash()
        self.done.clear()

    def _drop_trash(self) -> None:
        if self.trash and _exists(self.fs, self.trash):
            _remove_tree(self.fs, self.trash)
            with contextlib.suppress(OSError):
                self.fs.rmdir(posixpath.dirname(self.trash))


class Executor:
    """Runs levels sequentially or on a thread pool; `jobs=None` chooses by itself."""

    def __init__(
        self,
        fs: FileSystem,
        layout: Layout,
        *,
        jobs: int | None = None,
        trash: str = "",
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.fs = fs
        self.layout = layout
        self.jobs = jobs
        self.trash = trash
        self.progress = progress
        self._verified: set[str] = set()
        self._verify_lock = threading.Lock()
        self._stop = StopFlag()

    def begin(self) -> Transaction:
        """A new, empty transaction to run levels in."""
        return Transaction(self.fs, self.layout, self.trash)

    def run(
        self, levels: Levels, tx: Transaction | None = None, stop: StopFlag | None = None
    ) -> Transaction:
        """Execute everything or nothing; on failure raise after rolling back.

        Passing the transaction in lets a caller that is interrupted at any moment
        still reach what was done. A caller that already defers SIGINT and SIGTERM
        (to cover what it does before and after) passes its flag as `stop`.
        """
        tx = tx if tx is not None else self.begin()
        started = time.perf_counter()
        self._started = started
        # Explicit --jobs: threads for big plans only. Auto: start sequential and
        # switch to threads only when a probe shows the filesystem is slow.
        self._undecided = self.jobs is None
        self._workers = 1
        if self.jobs is not None and levels.count >= PARALLEL_THRESHOLD:
            self._workers = max(1, self.jobs)
        try:
            with (
                contextlib.nullcontext(stop) if stop is not None else deferred_interrupts() as flag
            ):
                self._stop = flag
                if flag.signum:  # asked to stop before the first operation
                    raise KeyboardInterrupt
                for level in levels.levels:
                    self._level(list(level), tx)
        except KeyboardInterrupt:
            with signals_blocked():
                problems = tx.rollback()
            raise Interrupted(_rolled_back("interrupted", problems)) from None
        except _OpFailed as failure:
            with signals_blocked():
                problems = tx.rollback()
            raise _describe(failure, problems) from None
        tx.stats.operations = len(tx.done)
        tx.stats.workers = self._workers
        tx.stats.seconds = time.perf_counter() - started
        return tx

    def _level(self, ops: list[Operation], tx: Transaction) -> None:
        index = 0
        while index < len(ops):
            if self._workers > 1 and len(ops) - index >= 2 * self._workers:
                tx.stats.parallel_levels += 1
                self._parallel(ops[index:], tx, self._workers)
                return
            if self._workers == 1 and not self._undecided:
                self._sequential(ops, index, tx)
                return
            self._record(tx, self._do(ops[index]))
            index += 1
            if self._stop.signum:  # a signal arrived: stop here, between operations
                raise KeyboardInterrupt
            if self._undecided and len(tx.done) >= PROBE_SIZE:
                self._undecided = False
                per_op = (time.perf_counter() - self._started) / len(tx.done)
                if per_op > SLOW_OPERATION:
                    self._workers = AUTO_WORKERS

    def _sequential(self, ops: Sequence[Operation], start: int, tx: Transaction) -> None:
        """`ops[start:]` one by one: what `_do` and `_record` do, without a call layer
        each (a large plan has tens of thousands of operations)."""
        fs, layout, trash = self.fs, self.layout, self.trash
        root = layout.target + "/"
        verified = self._verified
        done = tx.done
        stop = self._stop
        progress = self.progress
        for index in range(start, len(ops)):
            op = ops[index]
            path = op.path
            if path[:1] == "/" or not path:
                item = _do(fs, layout, op, trash)
            else:
                full = root + path
                up = path.rpartition("/")[0]
                try:
                    if up and up not in verified:
                        self._check_parents(up)
                    item = _apply(fs, layout, op, full, trash)
                except OSError as exc:
                    raise _OpFailed(op, exc, full) from exc
            done.append(item)
            if progress is not None:
                progress(1)
            if stop.signum:  # a signal arrived: stop here, between operations
                raise KeyboardInterrupt

    def _parallel(self, level: Sequence[Operation], tx: Transaction, workers: int) -> None:
        # Deferred: concurrent.futures imports logging, a tenth of dot's start-up, and
        # most runs never need a thread.
        from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dot-exec") as pool:
            futures: list[Future[Done | None]] = [
                pool.submit(self._do_unless_stopped, op) for op in level
            ]
            finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
            if any(f.exception() is not None for f in finished):
                for future in futures:
                    future.cancel()
                wait(futures)
            failure = self._collect(futures, tx)
            if failure is not None:
                raise failure
            if self._stop.signum:
                raise KeyboardInterrupt

    def _do_unless_stopped(self, op: Operation) -> Done | None:
        """In a worker: run `op`, unless a signal asked the run to stop (then None)."""
        return None if self._stop.signum else self._do(op)

    def _collect(self, futures: Sequence[Future[Done | None]], tx: Transaction) -> _OpFailed | None:
        failure: _OpFailed | None = None
        for future in futures:
            if future.cancelled():
                continue
            exc = future.exception()
            if exc is None:
                done = future.result()
                if done is not None:
                    self._record(tx, done)
            elif isinstance(exc, _OpFailed) and failure is None:
                failure = exc
            elif failure is None:
                raise exc
        return failure

    def _do(self, op: Operation) -> Done:
        path = op.path
        if path[:1] != "/":
            up = path.rpartition("/")[0]
            if up and up not in self._verified:
                try:
                    self._check_parents(up)
                except OSError as exc:
                    raise _OpFailed(op, exc, self.layout.abs(path)) from exc
        return _do(self.fs, self.layout, op, self.trash)

    def _check_parents(self, rel: str) -> None:
        """Refuse to work below anything but real directories (checked once each).

        Planning saw real directories; if one was swapped for a symlink since (by
        another program), writing through it could land anywhere, even in the
        package directory.
        """
        if not rel or rel in self._verified:
            return
        self._check_parents(rel.rpartition("/")[0])
        mode = self.fs.lstat(self.layout.abs(rel)).st_mode
        if kind_of_mode(mode) is not Kind.DIR:
            raise OSError(
                errno.ENOTDIR, f"{rel} is no longer a real directory (changed since planning)"
            )
        with self._verify_lock:
            self._verified.add(rel)

    def _record(self, tx: Transaction, done: Done) -> None:
        tx.done.append(done)
        if self.progress is not None:
            self.progress(1)


class StopFlag:
    """The number of the signal that asked a run to stop (0 while none did)."""

    __slots__ = ("signum",)

    def __init__(self) -> None:
        self.signum = 0


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[StopFlag]:
    """While inside, SIGINT and SIGTERM only set a flag, checked at safe points.

    An operation and its record must not be torn apart: a signal raising in the
    middle would leave a completed change that no rollback knows about.
    """
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: object) -> None:
        flag.signum = signum

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextlib.contextmanager
def interrupts_as_keyboard() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while inside, so both roll back cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while inside (a rollback must not be cut short)."""
    wanted = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class _OpFailed(Exception):
    def __init__(self, op: Operation, error: OSError, path: str) -> None:
        super().__init__(str(error))
        self.op = op
        self.error = error
        self.path = path


def _rolled_back(what: str, problems: list[str]) -> str:
    if problems:
        return f"{what}; rollback was incomplete: " + "; ".join(problems)
    return f"{what}; every completed operation was rolled back, nothing was changed"


def _describe(failure: _OpFailed, problems: list[str]) -> Exception:
    reason = failure.error.strerror or str(failure.error)
    what = f"could not {verb(failure.op)} {failure.path}: {reason}"
    message = _rolled_back(what, problems)
    if isinstance(failure.error, PermissionError):
        return PermissionDenied(message)
    return ExecutionError(message)


# --- doing and undoing ---------------------------------------------------------


def _do(fs: FileSystem, layout: Layout, op: Operation, trash: str) -> Done:
    path = layout.abs(op.path)
    try:
        return _apply(fs, layout, op, path, trash)
    except OSError as exc:
        raise _OpFailed(op, exc, path) from exc


def _apply(fs: FileSystem, layout: Layout, op: Operation, path: str, trash: str) -> Done:
    kind = type(op)
    if kind is Link:  # by far the most common: skip the match below
        fs.symlink(op.text, path)  # type: ignore[union-attr]
        return Done(op)
    if kind is Mkdir:
        fs.mkdir(path, op.mode)  # type: ignore[union-attr]
        return Done(op)
    match op:
        case Link(text=text):
            fs.symlink(text, path)
            return Done(op)
        case Unlink(text=text):
            current = fs.readlink(path)
            if current != text:
                raise OSError(errno.ESTALE, f"link changed since planning (now -> {current})")
            fs.unlink(path)
            return Done(op)
        case Mkdir(mode=mode):
            fs.mkdir(path, mode)
            return Done(op)
        case Rmdir():
            mode = stat.S_IMODE(fs.lstat(path).st_mode)
            fs.rmdir(path)
            return Done(op, mode=mode)
        case Backup(dest=dest):
            created = _makedirs(fs, posixpath.dirname(dest))
            with _unmade_on_error(fs, created):
                fs.rename(path, dest)
            return Done(op, created=created)
        case Delete():
            aside = f"{trash}/{op.path}"
            created = _makedirs(fs, posixpath.dirname(aside))
            with _unmade_on_error(fs, created):
                fs.rename(path, aside)
            return Done(op, created=created, aside=aside)
        case Adopt(package=package, source=source, stash=stash):
            inside = layout.source_abs(package, source)
            created = _makedirs(fs, posixpath.dirname(stash))
            with _unmade_on_error(fs, created):
                fs.rename(inside, stash)
                try:
                    fs.rename(path, inside)
                except OSError:
                    fs.rename(stash, inside)
                    raise
            return Done(op, created=created)
        case Restore(backup=backup, root=root):
            fs.rename(backup, path)
            return Done(op, removed=_prune(fs, posixpath.dirname(backup), root))
        case Take(dest=dest):
            fs.rename(path, dest)
            return Done(op)
        case CopyBack(package=package, source=source):
            _copy_tree(fs, layout.source_abs(package, source), path)
            return Done(op)


def _undo(fs: FileSystem, layout: Layout, done: Done) -> None:
    op = done.op
    path = layout.abs(op.path)
    match op:
        case Link():
            fs.unlink(path)
        case CopyBack():
            _remove_tree(fs, path)
        case Take(dest=dest):
            fs.rename(dest, path)
        case Unlink(text=text):
            fs.symlink(text, path)
        case Mkdir():
            fs.rmdir(path)
        case Rmdir():
            fs.mkdir(path, done.mode)
        case Backup(dest=dest):
            fs.rename(dest, path)
        case Delete():
            fs.rename(done.aside, path)
        case Adopt(package=package, source=source, stash=stash):
            inside = layout.source_abs(package, source)
            fs.rename(inside, path)
            fs.rename(stash, inside)
        case Restore(backup=backup):
            for directory in reversed(done.removed):
                fs.mkdir(directory)
            fs.rename(path, backup)


def _exists(fs: FileSystem, path: str) -> bool:
    try:
        fs.lstat(path)
    except OSError:
        return False
    return True


def _makedirs(fs: FileSystem, path: str) -> tuple[str, ...]:
    """Create `path` and missing parents; return the ones this call created, top first."""
    missing: list[str] = []
    cursor = path
    while cursor and cursor != "/" and not _exists(fs, cursor):
        missing.append(cursor)
        cursor = posixpath.dirname(cursor)
    created: list[str] = []
    with _unmade_on_error(fs, created):
        for directory in reversed(missing):
            try:
                fs.mkdir(directory)
            except FileExistsError:
                continue  # a parallel operation made it first
            created.append(directory)
    return tuple(created)


@contextlib.contextmanager
def _unmade_on_error(fs: FileSystem, created: Sequence[str]) -> Iterator[None]:
    """If the block fails, remove the directories made for it (deepest first)."""
    try:
        yield
    except OSError:
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                fs.rmdir(directory)
        raise


def _prune(fs: FileSystem, directory: str, root: str) -> tuple[str, ...]:
    """Remove emptied directories from `directory` up to, not including, `root`."""
    removed: list[str] = []
    cursor = directory
    while cursor.startswith(root + "/"):
        try:
            fs.rmdir(cursor)
        except OSError:
            break
        removed.append(cursor)
        cursor = posixpath.dirname(cursor)
    return tuple(removed)


def _copy_tree(fs: FileSystem, src: str, dst: str) -> None:
    """Copy a file, symlink or whole directory tree, keeping content and modes.

    On failure whatever was copied is removed again, so the operation is atomic
    as far as the executor is concerned.
    """
    try:
        _copy_node(fs, src, dst)
    except OSError:
        with contextlib.suppress(OSError):
            _remove_tree(fs, dst)
        raise


def _copy_node(fs: FileSystem, src: str, dst: str) -> None:
    st = fs.lstat(src)
    kind = kind_of_mode(st.st_mode)
    if kind is Kind.LINK:
        fs.symlink(fs.readlink(src), dst)
    elif kind is Kind.DIR:
        fs.mkdir(dst)
        for entry in sorted(fs.scandir(src), key=lambda e: e.name):
            _copy_node(fs, entry.path, f"{dst}/{entry.name}")
        fs.chmod(dst, stat.S_IMODE(st.st_mode))
    else:
        fs.copy_file(src, dst)


def _remove_tree(fs: FileSystem, path: str) -> None:
    if kind_of_mode(fs.lstat(path).st_mode) is Kind.DIR:
        for entry in list(fs.scandir(path)):
            _remove_tree(fs, entry.path)
        fs.rmdir(path)
    else:
        fs.unlink(path)
