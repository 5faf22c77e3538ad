"""The background hash worker: a forked child gives exactly the records computed in line."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dot import fingerprints, hashworker
from dot import manifest as manifest_io
from dot.errors import PermissionDenied
from dot.fingerprints import Hasher
from dot.fs.local import LocalFileSystem
from dot.fs.memory import MemoryFileSystem
from dot.manifest import FileRecord, PackageRecord
from dot.paths import Layout
from dot.pipeline.scanner import Entry, RuleSources, build_rules, scan
from helpers import DIR, HOME, add_package, service

LAYOUT = Layout(DIR, HOME)
MANIFEST = f"{HOME}/{manifest_io.DEFAULT_NAME}"

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
pytestmark = needs_fork


@pytest.fixture(autouse=True)
def _worker_for_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prefetch even tiny packages, and on a one-CPU machine too."""
    monkeypatch.setattr(fingerprints, "PREFETCH_THRESHOLD", 1)
    monkeypatch.setattr(hashworker.os, "cpu_count", lambda: 2)


def _tree(fs: MemoryFileSystem | LocalFileSystem, directory: str, name: str) -> Entry:
    root = f"{directory}/{name}"
    return scan(fs, root, build_rules(fs, root, RuleSources()), dotfiles=True)


def _both(
    fs: MemoryFileSystem | LocalFileSystem,
    layout: Layout,
    work: list[tuple[str, Entry, PackageRecord | None]],
) -> tuple[list[dict[str, FileRecord]], list[dict[str, FileRecord]], Hasher, Hasher]:
    """Records of `work` by a prefetching hasher and by one working in line."""
    background, inline = Hasher(fs, layout), Hasher(fs, layout)
    assert background.prefetch(work)
    got = [background.records(name, tree, old) for name, tree, old in work]
    want = [inline.records(name, tree, old) for name, tree, old in work]
    return got, want, background, inline


def test_prefetched_records_equal_the_records_computed_in_line(mem: MemoryFileSystem) -> None:
    add_package(mem, "vim", {"dot-vimrc": "set nu", "colors/x.vim": "hi", "empty": ""})
    add_package(mem, "zsh", {"dot-zshrc": "export A=1"})
    mem.symlink("dot-vimrc", f"{DIR}/vim/alias")  # a link in a package: no hash
    vim, zsh = _tree(mem, DIR, "vim"), _tree(mem, DIR, "zsh")
    first = Hasher(mem, LAYOUT).records("vim", vim, None)
    # An old record: one file as recorded (its hash is reused), one changed since.
    changed = first["colors/x.vim"]._replace(mtime_ns=1)
    old = PackageRecord("vim", files={**first, "colors/x.vim": changed})
    got, want, background, inline = _both(mem, LAYOUT, [("vim", vim, old), ("zsh", zsh, None)])
    assert got == want
    assert got[0]["alias"].sha256 is None
    assert got[0]["dot-vimrc"] is old.files["dot-vimrc"]  # reused, not recomputed
    assert (background.hits, background.misses) == (inline.hits, inline.misses) == (3, 2)


def test_a_file_gone_before_the_worker_looks_gets_no_record(world: tuple[Path, Path]) -> None:
    directory, target = world
    (directory / "vim").mkdir()
    for name in ("a", "b", "c"):
        (directory / "vim" / name).write_text(name)
    fs = LocalFileSystem()
    tree = _tree(fs, str(directory), "vim")
    (directory / "vim" / "b").unlink()  # after the scan, before the fingerprints
    got, want, _, _ = _both(fs, Layout(str(directory), str(target)), [("vim", tree, None)])
    assert got == want
    assert set(got[0]) == {"a", "c"}


class _Unreadable(MemoryFileSystem):
    """Reading one file is refused (root would read a mode-000 file anyway)."""

    refused = f"{DIR}/vim/secret"

    def read_bytes(self, path: str) -> bytes:
        if path == self.refused:
            raise PermissionError(13, "Permission denied", path)
        return super().read_bytes(path)


def test_an_unreadable_file_is_the_same_error_as_in_line() -> None:
    fs = _Unreadable()
    fs.makedirs(HOME)
    add_package(fs, "vim", {"dot-vimrc": "", "secret": "x"})
    tree = _tree(fs, DIR, "vim")
    background = Hasher(fs, LAYOUT)
    assert background.prefetch([("vim", tree, None)])
    message = f"cannot read {_Unreadable.refused}: permission denied"
    with pytest.raises(PermissionDenied) as from_worker:
        background.records("vim", tree, None)
    with pytest.raises(PermissionDenied) as in_line:
        Hasher(fs, LAYOUT).records("vim", tree, None)
    assert from_worker.value.message == in_line.value.message == message


def test_a_worker_that_fails_leaves_the_work_to_be_done_in_line(
    mem: MemoryFileSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_package(mem, "vim", {"dot-vimrc": "set nu", "x": "y"})
    tree = _tree(mem, DIR, "vim")

    def broken(*args: object) -> None:
        raise RuntimeError("the child breaks")

    monkeypatch.setattr(hashworker, "_fill", broken)  # inherited by the forked child
    hasher = Hasher(mem, LAYOUT)
    assert hasher.prefetch([("vim", tree, None)])
    assert hasher.records("vim", tree, None) == Hasher(mem, LAYOUT).records("vim", tree, None)
    assert hasher.misses == 2


def test_records_for_another_tree_are_computed_in_line(mem: MemoryFileSystem) -> None:
    add_package(mem, "vim", {"dot-vimrc": "set nu"})
    tree = _tree(mem, DIR, "vim")
    hasher = Hasher(mem, LAYOUT)
    assert hasher.prefetch([("vim", tree, None)])
    mem.write(f"{DIR}/vim/new", "added after the prefetch")
    again = _tree(mem, DIR, "vim")  # (adopt grafts entries into a new tree, say)
    assert set(hasher.records("vim", again, None)) == {"dot-vimrc", "new"}


def test_close_stops_and_reaps_the_child(mem: MemoryFileSystem) -> None:
    add_package(mem, "vim", {"dot-vimrc": "set nu"})
    hasher = Hasher(mem, LAYOUT)
    assert hasher.prefetch([("vim", _tree(mem, DIR, "vim"), None)])
    worker = hasher._worker
    assert worker is not None
    hasher.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(worker.pid, os.WNOHANG)  # already reaped: no zombie is left


@pytest.fixture
def other_thread() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_no_fork_while_another_thread_runs(mem: MemoryFileSystem, other_thread: None) -> None:
    add_package(mem, "vim", {"dot-vimrc": "set nu"})
    tree = _tree(mem, DIR, "vim")
    hasher = Hasher(mem, LAYOUT)
    assert not hashworker.possible()
    assert not hasher.prefetch([("vim", tree, None)])
    assert set(hasher.records("vim", tree, None)) == {"dot-vimrc"}


def test_small_runs_do_not_start_a_worker(
    mem: MemoryFileSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fingerprints, "PREFETCH_THRESHOLD", 3)
    add_package(mem, "vim", {"a": "", "b": ""})
    assert not Hasher(mem, LAYOUT).prefetch([("vim", _tree(mem, DIR, "vim"), None)])


def test_manage_records_the_same_manifest_with_the_worker(
    mem: MemoryFileSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_package(mem, "vim", {"dot-vimrc": "set nu", "dot-vim/colors/x.vim": "hi"})
    add_package(mem, "zsh", {"dot-zshrc": "export A=1"})
    started: list[int] = []
    real_start = hashworker.start

    def spy(fs: object, items: list[hashworker.Item]) -> hashworker.Worker | None:
        worker = real_start(fs, items)  # type: ignore[arg-type]
        started.append(len(items))
        return worker

    monkeypatch.setattr(hashworker, "start", spy)
    service(mem).manage(["vim", "zsh"])
    assert started == [3]

    def files() -> dict[str, object]:
        packages = manifest_io.load(mem, MANIFEST, DIR, HOME).packages
        return {name: (record.files, record.links) for name, record in packages.items()}

    with_worker = files()
    mem.unlink(MANIFEST)
    monkeypatch.setattr(fingerprints, "PREFETCH_THRESHOLD", 10**9)
    service(mem).manage(["vim", "zsh"])  # the links are there: it records them again
    assert started == [3]  # no second worker
    assert files() == with_worker


def test_the_real_os_shortcut_finds_what_the_port_finds(world: tuple[Path, Path]) -> None:
    """`_look_local` (open directories, one read per file) gives `_look`'s slots."""
    directory, _ = world
    pkg = directory / "vim"
    (pkg / "sub" / "deeper").mkdir(parents=True)
    (pkg / "a").write_text("alpha")
    (pkg / "empty").write_text("")
    (pkg / "big").write_bytes(os.urandom(3 << 20))  # more than one read's worth
    (pkg / "sub" / "b").write_text("beta")
    (pkg / "sub" / "deeper" / "c").write_text("gamma")
    (pkg / "link").symlink_to("a")
    os.mkfifo(pkg / "fifo")  # never opened: a reader would wait for a writer
    names = ["a", "empty", "big", "link", "fifo", "gone", "sub/b", "sub/deeper/c", "nodir/x"]
    fs = LocalFileSystem()
    items: list[hashworker.Item] = [(f"{pkg}/{name}", None) for name in names]
    first = os.lstat(pkg / "a")
    items.append((f"{pkg}/a", (first.st_size, first.st_mtime_ns, first.st_ino, first.st_mode)))
    slow, fast = list(hashworker._look(fs, items)), list(hashworker._look_local(fs, items))
    assert fast == slow
    statuses = [slot[0] for slot in fast]
    assert statuses == [
        hashworker.HASHED,
        hashworker.HASHED,
        hashworker.HASHED,
        hashworker.PLAIN,
        hashworker.PLAIN,
        hashworker.GONE,
        hashworker.HASHED,
        hashworker.HASHED,
        hashworker.GONE,
        hashworker.REUSE,
    ]


class _Slow(MemoryFileSystem):
    """Every lstat takes a millisecond: the child cannot be done when asked."""

    def lstat(self, path: str) -> os.stat_result:  # type: ignore[override]
        import time

        time.sleep(0.001)
        return super().lstat(path)  # type: ignore[return-value]


def test_a_busy_child_shares_what_is_left_with_the_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fs = _Slow()
    fs.makedirs(HOME)
    add_package(fs, "vim", {f"f{i:03}": str(i) for i in range(400)})
    tree = _tree(fs, DIR, "vim")
    shared: list[int] = []
    real = hashworker._looker

    def spy(where: object) -> object:
        shared.append(os.getpid())  # the child's calls are in its own copy of this list
        return real(where)  # type: ignore[arg-type]

    monkeypatch.setattr(hashworker, "_looker", spy)
    hasher = Hasher(fs, LAYOUT)
    assert hasher.prefetch([("vim", tree, None)])
    got = hasher.records("vim", tree, None)
    assert shared == [os.getpid()]  # the parent computed part of it
    assert got == Hasher(fs, LAYOUT).records("vim", tree, None)
    assert len(got) == 400
