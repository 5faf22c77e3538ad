"""Fixtures for the CLI tests: a temp package dir and home, and `dot` run in-process.

`Env.run` drives the real console-script entry point (`dot.cli.app.main`, so the
error boundary and its exit codes are included) through click's CliRunner, which
captures stdout and stderr separately.
"""

from __future__ import annotations

import ctypes
import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dot.cli import app

ELAPSED = r"(?:\d+ ms|\d+\.\d s)"

VIM = {"dot-vimrc": "set number\n", "dot-vim/colors/x.vim": "hi Normal guibg=black\n"}


class _Entry:
    """Lets CliRunner call the console-script entry point instead of a click command."""

    name = "dot"

    def main(self, args: Sequence[str], prog_name: str | None = None, **_: Any) -> None:
        app.main(list(args))


def expect(text: str, template: str) -> None:
    """Assert `text` equals `template`, where `{elapsed}` stands for a run's duration."""
    pattern = re.escape(template).replace(re.escape("{elapsed}"), ELAPSED)
    assert re.fullmatch(pattern, text), f"\n--- got ---\n{text}--- expected ---\n{template}"


def tree_state(root: Path, *, mtimes: bool = True) -> dict[str, tuple[Any, ...]]:
    """Everything below `root` (root included): type, content or link text, mode, mtime.

    With `mtimes`, directory mtimes are kept, so a file created and removed again is
    noticed too; without, the snapshot says what is there (for runs rolled back).
    """
    out: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        st = os.lstat(base)
        out[str(base.relative_to(root))] = ("dir", stat.S_IMODE(st.st_mode), _mtime(st, mtimes))
        for name in filenames + [d for d in dirnames if (base / d).is_symlink()]:
            full = base / name
            st = os.lstat(full)
            rel = str(full.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(full))
            else:
                mode, mtime = stat.S_IMODE(st.st_mode), _mtime(st, mtimes)
                out[rel] = ("file", full.read_bytes(), mode, mtime)
        dirnames[:] = [d for d in dirnames if not (base / d).is_symlink()]
    return out


def _mtime(st: os.stat_result, wanted: bool) -> int | None:
    return st.st_mtime_ns if wanted else None


def links(root: Path) -> dict[str, str]:
    """Every symlink below `root`: relative path -> link text."""
    return {p: v[1] for p, v in tree_state(root).items() if v[0] == "link"}


@dataclass
class Env:
    """A package directory `dir`, a target `home` (also $HOME) and a way to run dot."""

    root: Path
    dir: Path
    home: Path
    runner: CliRunner

    def run(self, *args: str, traceback: bool = False) -> Result:
        """`dot ARGS` exactly as given (cwd is `dir`, $HOME is `home`).

        Every run is checked for a traceback on stderr unless `traceback` says one is
        expected (--debug).
        """
        result = self.runner.invoke(_Entry(), list(args), catch_exceptions=False)  # type: ignore[arg-type]
        if not traceback:
            assert "Traceback" not in result.stderr
        return result

    def dot(self, *args: str) -> Result:
        """`dot ARGS -d DIR -t HOME`: explicit directories after everything else."""
        return self.run(*args, "-d", str(self.dir), "-t", str(self.home))

    def package(self, name: str, files: Mapping[str, str], root: Path | None = None) -> Path:
        """Create package `name`: {"dot-vimrc": "text", "dot-vim/colors/x.vim": "", "d/": ""}."""
        base = (root or self.dir) / name
        base.mkdir(parents=True, exist_ok=True)
        for rel, content in files.items():
            path = base / rel
            if rel.endswith("/"):
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
        return base

    def vim(self) -> Path:
        """The standard small package: dot-vimrc and dot-vim/colors/x.vim."""
        return self.package("vim", VIM)

    def state(
        self, *, mtimes: bool = True
    ) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
        """Snapshots of the package directory and of the target, dot's files included."""
        return tree_state(self.dir, mtimes=mtimes), tree_state(self.home, mtimes=mtimes)

    # dot's files in the target after a run that wrote the manifest, in name order.
    STATE = (".dot-manifest.json", ".dot-manifest.json.copy", ".dot-manifest.json.stamps")

    def home_names(self) -> list[str]:
        """The names in the target's top directory, sorted."""
        return sorted(p.name for p in self.home.iterdir())

    expect = staticmethod(expect)
    tree_state = staticmethod(tree_state)
    links = staticmethod(links)

    @property
    def manifest(self) -> Path:
        return self.home / ".dot-manifest.json"

    @property
    def real_dir(self) -> str:
        return os.path.realpath(self.dir)

    @property
    def real_home(self) -> str:
        return os.path.realpath(self.home)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    """A clean world: NO_COLOR, $HOME and $XDG_CONFIG_HOME in the temp dir, cwd = DIR."""
    directory = tmp_path / "dotfiles"
    home = tmp_path / "home"
    directory.mkdir()
    home.mkdir()
    for name in list(os.environ):
        if name.startswith("DOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.chdir(directory)
    return Env(tmp_path, directory, home, CliRunner())


# --- permissions that root cannot bypass ---------------------------------------------

_CAP_V3 = 0x20080522
_DAC_CAPS = (1 << 1) | (1 << 2) | (1 << 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _capabilities() -> tuple[Any, _CapHeader, Any]:
    libc = ctypes.CDLL(None, use_errno=True)
    header = _CapHeader(_CAP_V3, 0)
    data = (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    return libc, header, data


@contextmanager
def _without_dac_override() -> Iterator[None]:
    """Drop root's permission-bypassing capabilities from this thread, then restore them."""
    libc, header, data = _capabilities()
    saved = data[0].effective
    data[0].effective = saved & ~_DAC_CAPS
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    try:
        yield
    finally:
        libc, header, data = _capabilities()
        data[0].effective = saved
        if libc.capset(ctypes.byref(header), data) != 0:
            raise OSError(ctypes.get_errno(), "capset failed while restoring")


@pytest.fixture
def unprivileged(tmp_path: Path) -> Iterator[Any]:
    """A context manager under which permission bits apply, even when running as root.

    Non-root users get a no-op; root drops CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and
    CAP_FOWNER from the calling thread (dot runs small plans in that thread). Skips
    when the capabilities cannot be changed, or when a probe shows they still apply.
    """
    if os.geteuid() != 0:
        yield _noop
        return
    try:
        with _without_dac_override():
            pass
    except (OSError, AttributeError) as exc:
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE: {exc}")
    probe = tmp_path / "probe"
    probe.mkdir(mode=0o555)
    probe.chmod(0o555)
    try:
        with _without_dac_override():
            try:
                (probe / "x").mkdir()
            except PermissionError:
                pass
            else:
                pytest.skip("permission bits are not enforced even without CAP_DAC_OVERRIDE")
    finally:
        probe.chmod(0o755)
    yield _without_dac_override


@contextmanager
def _noop() -> Iterator[None]:
    yield
