"""SIGINT and SIGTERM around the executor: never a half-reported run.

A signal is delivered (to this process, in the main thread) at chosen moments of a
real `manage` on the in-memory filesystem: before the first operation the run is
refused with nothing changed; once every operation is done, the signal waits until
the run is committed (links, manifest, no journal left).
"""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from dot import manifest as manifest_io
from dot.errors import Interrupted
from dot.fs.memory import MemoryFileSystem
from dot.pipeline import executor as executor_module
from dot.pipeline import journal as journal_module
from dot.pipeline.journal import JOURNAL_NAME
from helpers import DIR, HOME, add_package, links, service

SIGNALS = [signal.SIGINT, signal.SIGTERM]


@pytest.fixture
def repo(mem: MemoryFileSystem) -> MemoryFileSystem:
    add_package(mem, "vim", {"dot-vimrc": "set nu", "dot-vim/colors/x.vim": "hi"})
    return mem


@pytest.mark.parametrize("signum", SIGNALS)
def test_a_signal_right_after_the_last_operation_waits_for_the_commit(
    repo: MemoryFileSystem, monkeypatch: pytest.MonkeyPatch, signum: int
) -> None:
    run = executor_module.Executor.run

    def run_then_signal(self: Any, *args: Any, **kwargs: Any) -> Any:
        tx = run(self, *args, **kwargs)
        os.kill(os.getpid(), signum)  # between the executor and the commit
        return tx

    monkeypatch.setattr(executor_module.Executor, "run", run_then_signal)
    result = service(repo).manage(["vim"])

    assert len(result.operations) == 2
    assert links(repo) == {".vim": "../dotfiles/vim/dot-vim", ".vimrc": "../dotfiles/vim/dot-vimrc"}
    manifest = manifest_io.load(repo, f"{HOME}/.dot-manifest.json", DIR, HOME)
    assert set(manifest.packages) == {"vim"}
    assert not repo.exists(f"{HOME}/{JOURNAL_NAME}")


@pytest.mark.parametrize("signum", SIGNALS)
def test_a_signal_while_the_journal_is_written_stops_before_any_change(
    repo: MemoryFileSystem, monkeypatch: pytest.MonkeyPatch, signum: int
) -> None:
    begin = journal_module.Journal.begin

    def begin_then_signal(self: Any, *args: Any, **kwargs: Any) -> None:
        begin(self, *args, **kwargs)
        os.kill(os.getpid(), signum)  # before the executor's first operation

    monkeypatch.setattr(journal_module.Journal, "begin", begin_then_signal)
    before = repo.snapshot(HOME)

    with pytest.raises(Interrupted, match="nothing was changed"):
        service(repo).manage(["vim"])

    assert repo.snapshot(HOME) == before
