"""Test-wide fixtures, including a guard against writes outside the test's temp dir."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from dot.fs.memory import MemoryFileSystem
from helpers import memory_world

# CI (.ci/run sets DOT_HYPOTHESIS=ci) replays the same examples on every run, so a red
# CI is always reproducible; everywhere else each run explores new examples, and
# `make fuzz` explores many more. Loaded here, before any test module defines its
# settings (they inherit from the profile).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("DOT_HYPOTHESIS") == "ci":
    settings.load_profile("ci")

_GUARDED = ("symlink", "unlink", "mkdir", "rmdir", "rename", "replace", "remove")


@pytest.fixture(autouse=True)
def _no_writes_outside_tmp(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Fail any test that creates, moves or deletes a path outside the temp dirs."""
    allowed = [
        os.path.realpath(str(tmp_path_factory.getbasetemp())),
        os.path.realpath(tempfile.gettempdir()),
    ]

    def check(path: Any) -> None:
        if isinstance(path, int):
            return
        # Resolve the parent only: unlinking a symlink must not be judged by its target.
        absolute = os.path.abspath(os.fsdecode(path))
        parent, name = os.path.split(absolute)
        full = os.path.join(os.path.realpath(parent), name)
        if not any(full == root or full.startswith(root + os.sep) for root in allowed):
            raise AssertionError(f"test wrote outside its temp directory: {full}")

    def guard(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("dir_fd") is not None or kwargs.get("src_dir_fd") is not None:
                return original(*args, **kwargs)  # relative to an open directory: rmtree's
            if name in ("rename", "replace"):
                paths = args[:2]
            elif name == "symlink":
                paths = args[1:2]
            else:
                paths = args[:1]
            for path in paths:
                check(path)
            return original(*args, **kwargs)

        return wrapped

    for name in _GUARDED:
        monkeypatch.setattr(os, name, guard(name, getattr(os, name)))
    monkeypatch.setattr(shutil, "move", guard("rename", shutil.move))
    yield


@pytest.fixture
def mem() -> MemoryFileSystem:
    """An in-memory world with /dotfiles and /home."""
    return memory_world()


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """A real package directory and target on the test's temp dir (tmpfs when possible)."""
    directory = tmp_path / "dotfiles"
    home = tmp_path / "home"
    directory.mkdir()
    home.mkdir()
    return directory, home
