"""Profiling that wraps any command: --cpuprofile, --memprofile, --threadprofile, --profile-html.

Each profiler module (cProfile, tracemalloc, pyinstrument) is imported only when
its flag is used, so a plain run pays nothing at start-up. Every output file is
opened for writing before the command runs: an unwritable path fails early, with
nothing changed and no partial profile left behind. The profiles are written in a
`finally`, so a command that fails (a conflict, an interrupt) still leaves its
profile, and the command's own output and exit code are untouched: profiling
prints nothing unless a profile cannot be written.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from dot.errors import ConfigError, DotError, PermissionDenied, UsageError

if TYPE_CHECKING:
    import cProfile
    import traceback

    from dot.cli.options import Globals

TOP = 20  # allocation sites listed in --memprofile's FILE.txt
# Frames kept per allocation. More make start-up-heavy runs many times slower; for
# deeper tracebacks run with PYTHONTRACEMALLOC=N, which this leaves as it is.
MEMORY_FRAMES = 1
INSTALL_HINT = "pip install pyinstrument; it cannot load from inside dot.pyz"
# Before 3.12, cProfile and pyinstrument both need the interpreter's one profile hook.
SHARED_HOOK = sys.version_info < (3, 12)
# Allocation sites that say nothing about dot's code (module loading, the tracer).
_NOISE = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>", "<unknown>")


@dataclass(frozen=True, slots=True)
class Request:
    """The profiles one run asks for: absolute output paths, None when not wanted."""

    cpu: str | None = None
    memory: str | None = None
    threads: str | None = None
    html: str | None = None

    @classmethod
    def of(cls, options: Globals) -> Request:
        """The profiles the merged global options ask for."""

        def path(value: str | None) -> str | None:
            return os.path.abspath(value) if value else None

        return cls(
            cpu=path(options.cpuprofile),
            memory=path(options.memprofile),
            threads=path(options.threadprofile),
            html=path(options.profile_html),
        )

    def __bool__(self) -> bool:
        return any((self.cpu, self.memory, self.threads, self.html))

    def outputs(self) -> list[tuple[str, str]]:
        """Every file this request writes, with the option that asked for it."""
        out = [
            ("--cpuprofile", self.cpu),
            ("--memprofile", self.memory),
            ("--memprofile", self.memory and self.memory + ".txt"),
            ("--threadprofile", self.threads),
            ("--profile-html", self.html),
        ]
        return [(option, path) for option, path in out if path]


class Profiler(Protocol):
    """One kind of profile: collected between start and stop, written afterwards."""

    path: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def write(self) -> None: ...


@contextmanager
def profiled(request: Request, warn: Callable[[str], None]) -> Iterator[None]:
    """Run the body under the requested profilers; write their files even if it fails.

    Raises before the body runs when a profile cannot be made or written. A write
    failure after a successful body is raised; after a failed body it is only
    reported through `warn`, so the command's own error stays the one reported.
    """
    if not request:
        yield
        return
    check(request)
    profilers = build(request)
    created = reserve(request)
    started: list[Profiler] = []
    try:
        for profiler in profilers:
            _start(profiler)
            started.append(profiler)
    except BaseException:
        finish(started)
        for path in created:
            _remove(path)
        raise
    try:
        yield
    except BaseException:
        problem = finish(started)
        if problem is not None:
            warn(problem.message)
        raise
    problem = finish(started)
    if problem is not None:
        raise problem


def _start(profiler: Profiler) -> None:
    try:
        profiler.start()
    except Exception as exc:  # another profiler holds the interpreter's hook, say
        raise DotError(f"cannot start profiling into {profiler.path}: {exc}") from None


def check(request: Request) -> None:
    """Refuse requests that cannot work, before anything runs."""
    seen: dict[str, str] = {}
    for option, path in request.outputs():
        if path in seen and seen[path] != option:
            raise UsageError(f"{seen[path]} and {option} both write {path}")
        seen[path] = option
    if request.cpu and request.html and SHARED_HOOK:
        raise UsageError(
            "--cpuprofile and --profile-html cannot be combined before Python 3.12 "
            "(both need the interpreter's one profiling hook); run the command once for each"
        )
    if request.html:
        try:
            import pyinstrument  # noqa: F401
        except ImportError:
            raise DotError(
                f"--profile-html needs pyinstrument, which is not installed ({INSTALL_HINT})"
            ) from None


def build(request: Request) -> list[Profiler]:
    """The profilers, outermost first (the CPU profiler sees the least of the others)."""
    out: list[Profiler] = []
    if request.memory:
        out.append(MemoryProfile(request.memory))
    if request.html:
        out.append(HtmlProfile(request.html))
    if request.cpu:
        out.append(CpuProfile(request.cpu))
    if request.threads:
        out.append(ThreadDump(request.threads))
    return out


def reserve(request: Request) -> list[str]:
    """Open every output file for writing now; the files this created.

    On failure, the files this created are removed again and the error is raised.
    """
    created: list[str] = []
    for _option, path in request.outputs():
        existed = os.path.lexists(path)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666))
        except OSError as exc:
            for done in created:
                _remove(done)
            raise unwritable(path, exc) from None
        if not existed:
            created.append(path)
    return created


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def unwritable(path: str, exc: OSError) -> DotError:
    """The error for a profile file that cannot be written (exit 4 when access is denied)."""
    message = f"cannot write profile {path}: {exc.strerror or exc}"
    if isinstance(exc, PermissionError):
        return PermissionDenied(message)
    return ConfigError(message)


def finish(started: list[Profiler]) -> DotError | None:
    """Stop the profilers (innermost first), then write them all; the first failure."""
    problem: DotError | None = None
    stopped: list[Profiler] = []
    for profiler in reversed(started):
        try:
            profiler.stop()
        except Exception as exc:  # keep the others going; never mask the command's error
            problem = problem or DotError(f"cannot make profile {profiler.path}: {exc}")
        else:
            stopped.append(profiler)
    for profiler in reversed(stopped):
        try:
            profiler.write()
        except DotError as exc:
            problem = problem or exc
        except Exception as exc:
            problem = problem or DotError(f"cannot write profile {profiler.path}: {exc}")
    return problem


def _write_text(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise unwritable(path, exc) from None


# --- the profilers ---------------------------------------------------------------


class CpuProfile:
    """cProfile statistics of the whole command, worker threads included (pstats format)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.workers: list[cProfile.Profile] = []

    def start(self) -> None:
        import cProfile

        self.main = cProfile.Profile()
        if SHARED_HOOK:
            # The hook is per thread: give each thread started during the run its own.
            import threading

            threading.setprofile(self._thread_started)
        self.main.enable()

    def _thread_started(self, _frame: Any, _event: str, _arg: Any) -> None:
        import cProfile

        sys.setprofile(None)
        profile = cProfile.Profile()
        self.workers.append(profile)
        profile.enable()

    def stop(self) -> None:
        self.main.disable()
        if SHARED_HOOK:
            import threading

            threading.setprofile(None)

    def write(self) -> None:
        import pstats

        stats = pstats.Stats(self.main)
        for worker in self.workers:
            stats.add(worker)
        try:
            stats.dump_stats(self.path)
        except OSError as exc:
            raise unwritable(self.path, exc) from None


class MemoryProfile:
    """A tracemalloc snapshot of what the run allocated and still held at its end.

    FILE is the snapshot (`tracemalloc.Snapshot.load(FILE)`); FILE.txt lists the top
    allocation sites by size, module loading left out, with the traced peak.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.was_tracing = False

    def start(self) -> None:
        import tracemalloc

        self.was_tracing = tracemalloc.is_tracing()
        if not self.was_tracing:
            tracemalloc.start(MEMORY_FRAMES)
        tracemalloc.reset_peak()

    def stop(self) -> None:
        import tracemalloc

        self.snapshot = tracemalloc.take_snapshot()
        self.current, self.peak = tracemalloc.get_traced_memory()
        if not self.was_tracing:
            tracemalloc.stop()

    def write(self) -> None:
        try:
            self.snapshot.dump(self.path)
        except OSError as exc:
            raise unwritable(self.path, exc) from None
        _write_text(self.path + ".txt", self.report())

    def report(self) -> str:
        """The top allocation sites as text: '#' header lines, then one line per site."""
        import tracemalloc

        filters = [tracemalloc.Filter(False, name) for name in _NOISE]
        filters.append(tracemalloc.Filter(False, tracemalloc.__file__))
        stats = self.snapshot.filter_traces(filters).statistics("lineno")
        lines = [
            f"# dot memory profile: top {TOP} allocation sites still held at the end of the run",
            f"# traced memory: {_size(self.current)} at the end, {_size(self.peak)} at the peak",
            f"# snapshot: {self.path} (tracemalloc.Snapshot.load)",
        ]
        for stat in stats[:TOP]:
            frame = stat.traceback[0]
            lines.append(
                f"{frame.filename}:{frame.lineno}: size={_size(stat.size)} count={stat.count}"
            )
        return "\n".join(lines) + "\n"


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"


class HtmlProfile:
    """A pyinstrument report of the command's thread, as one HTML file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def start(self) -> None:
        from pyinstrument import Profiler as Sampler

        self.sampler = Sampler()
        self.sampler.start()

    def stop(self) -> None:
        self.sampler.stop()

    def write(self) -> None:
        _write_text(self.path, self.sampler.output_html())


class ThreadDump:
    """The stack of every thread at the end of the run (like a goroutine dump)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.stacks: list[tuple[str, int, str, traceback.StackSummary]] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.stacks = thread_stacks()

    def write(self) -> None:
        _write_text(self.path, format_dump(self.stacks))


def thread_stacks() -> list[tuple[str, int, str, traceback.StackSummary]]:
    """(name, ident, daemon, stack) of every live thread, the calling thread first.

    Source lines are looked up later (format_dump), so that taking the dump does not
    load files into memory while a memory profile is still being taken.
    """
    import threading
    import traceback

    frames = sys._current_frames()
    named = {thread.ident: thread for thread in threading.enumerate()}
    me = threading.get_ident()
    own = (__file__, contextlib.__file__)
    out = []
    for ident in sorted(frames, key=lambda ident: (ident != me, ident)):
        thread = named.get(ident)
        name = thread.name if thread is not None else "<unknown>"
        daemon = str(thread.daemon) if thread is not None else "?"
        walk = traceback.walk_stack(frames[ident])
        stack = traceback.StackSummary.extract(walk, lookup_lines=False)
        stack.reverse()
        while ident == me and stack and stack[-1].filename in own:
            stack.pop()  # the dump's own frames
        out.append((name, ident, daemon, stack))
    return out


def format_dump(stacks: list[tuple[str, int, str, traceback.StackSummary]]) -> str:
    """The thread dump as text: a '#' header, then one block per thread."""
    noun = "thread" if len(stacks) == 1 else "threads"
    lines = [f"# dot thread dump: {len(stacks)} {noun}, pid {os.getpid()}", ""]
    for name, ident, daemon, stack in stacks:
        lines.append(f'Thread "{name}" ident={ident} daemon={daemon}')
        lines.extend(line.rstrip("\n") for line in stack.format())
        lines.append("")
    return "\n".join(lines)
