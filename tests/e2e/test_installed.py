"""The installed `dot` console script, run as a subprocess in a temp $HOME.

The working directory is the temp package directory and $HOME the temp home, so the
defaults of --dir (cwd) and --target ($HOME) are what is tested. NO_COLOR is not set:
output is plain because stdout is a pipe.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dot import __version__

DOT = Path(sys.executable).with_name("dot")
if not DOT.exists():  # pragma: no cover - depends on how the tests are run
    DOT = Path(shutil.which("dot") or "dot")

pytestmark = pytest.mark.skipif(
    not DOT.exists(), reason="the `dot` console script is not installed"
)

VERSION_LINE = (
    f"dot {__version__} (Python {platform.python_version()}, "
    f"{platform.system()} {platform.machine()})\n"
)

REPO = {
    "vim/dot-vimrc": "set number\n",
    "vim/dot-vim/colors/x.vim": "hi Normal guibg=black\n",
    "vim/dot-vim/after/ftplugin/python.vim": "setlocal sw=4\n",
    "vim/README.md": "my vim setup\n",
    "zsh/dot-zshrc": "source ~/.zsh/functions/prompt\n",
    "zsh/dot-zshrc~": "editor backup\n",
    "zsh/dot-zshenv": "export EDITOR=nvim\n",
    "zsh/dot-zsh/functions/prompt": "PS1='%~ %# '\n",
    "git/dot-gitconfig": "[user]\n\tname = Me\n",
    "git/dot-config/git/ignore": "*.o\n",
    "nvim/dot-config/nvim/init.lua": "require('plugins')\n",
    "nvim/dot-config/nvim/lua/plugins.lua": "return {}\n",
    "ssh/dot-ssh/config": "Host *\n  AddKeysToAgent yes\n",
    "README.md": "my dotfiles\n",
    ".git/HEAD": "ref: refs/heads/main\n",
}
PACKAGES = ["vim", "zsh", "git", "nvim", "ssh"]
LINKS = {
    ".vimrc": "../dotfiles/vim/dot-vimrc",
    ".vim": "../dotfiles/vim/dot-vim",
    ".zshrc": "../dotfiles/zsh/dot-zshrc",
    ".zshenv": "../dotfiles/zsh/dot-zshenv",
    ".zsh": "../dotfiles/zsh/dot-zsh",
    ".gitconfig": "../dotfiles/git/dot-gitconfig",
    ".config/git": "../../dotfiles/git/dot-config/git",
    ".config/nvim": "../../dotfiles/nvim/dot-config/nvim",
    ".ssh/config": "../../dotfiles/ssh/dot-ssh/config",
}


class World:
    """A temp package directory, a temp home, and the installed `dot` to run in them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "dotfiles"
        self.home = root / "home"
        self.dir.mkdir()
        self.home.mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(root / "xdg"),
            "LANG": "C.UTF-8",
        }

    def write(self, files: dict[str, str], base: Path | None = None) -> None:
        for rel, content in files.items():
            path = (base or self.dir) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)

    def run(self, *args: str, command: list[str] | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*(command or [str(DOT)]), *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "Traceback" not in result.stderr
        return result


def snapshot(root: Path, *, mtimes: bool = False) -> dict[str, tuple[Any, ...]]:
    """Every path below `root` without following links: type, content/text, mode."""
    out: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for name in sorted(dirnames + filenames):
            full = base / name
            st = os.lstat(full)
            rel = str(full.relative_to(root))
            when = st.st_mtime_ns if mtimes else None
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode), when)
            else:
                out[rel] = ("file", full.read_bytes(), stat.S_IMODE(st.st_mode), when)
        dirnames[:] = [d for d in dirnames if not (base / d).is_symlink()]
    return out


def links_below(root: Path) -> dict[str, str]:
    return {p: v[1] for p, v in snapshot(root).items() if v[0] == "link"}


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


@pytest.fixture
def repo(world: World) -> World:
    """The realistic repo, and a home with a few files of the user's own."""
    world.write(REPO)
    world.write({".bashrc": "# mine\n", ".config/other/settings": "keep\n"}, world.home)
    return world


def test_manage_remanage_unmanage_a_realistic_repo(repo):
    home_before = snapshot(repo.home)
    repo_before = snapshot(repo.dir)

    managed = repo.run("manage", *PACKAGES)

    assert managed.returncode == 0, managed.stderr
    assert managed.stderr == ""
    assert managed.stdout.startswith(
        "manage vim zsh git nvim ssh: 10 operations (link 9, mkdir 1) in "
    )
    assert managed.stdout.endswith(" ms\n") or managed.stdout.endswith(" s\n")
    assert links_below(repo.home) == LINKS
    for path, text in LINKS.items():
        assert os.readlink(repo.home / path) == text
        assert os.path.realpath(repo.home / path).startswith(str(repo.dir.resolve()) + "/")
    assert (repo.home / ".ssh").is_dir() and not (repo.home / ".ssh").is_symlink()
    assert (repo.home / ".config/other/settings").read_text() == "keep\n"
    assert (repo.home / ".zsh/functions/prompt").read_text() == "PS1='%~ %# '\n"
    assert (repo.home / ".config/nvim/lua/plugins.lua").read_text() == "return {}\n"
    assert not (repo.home / "README.md").exists()
    assert not (repo.home / ".zshrc~").exists()
    assert snapshot(repo.dir) == repo_before

    installed = snapshot(repo.home, mtimes=True)
    remanaged = repo.run("remanage", *PACKAGES)

    assert remanaged.returncode == 0, remanaged.stderr
    assert remanaged.stdout.startswith("remanage vim zsh git nvim ssh: up to date, no changes (")
    assert snapshot(repo.home, mtimes=True) == installed

    unmanaged = repo.run("unmanage", "--all")

    assert unmanaged.returncode == 0, unmanaged.stderr
    assert unmanaged.stdout.startswith("unmanage git nvim ssh vim zsh: 10 operations (unlink 9, ")
    assert snapshot(repo.home) == home_before
    assert snapshot(repo.dir) == repo_before


def test_directories_dot_created_are_removed_again(world):
    world.write(REPO)

    assert world.run("manage", "git", "nvim", "ssh").returncode == 0
    assert (world.home / ".config").is_dir()
    assert world.run("unmanage", "git", "nvim", "ssh").returncode == 0

    assert snapshot(world.home) == {}


def test_dry_run_writes_nothing(repo):
    home_before = snapshot(repo.home, mtimes=True)
    repo_before = snapshot(repo.dir, mtimes=True)

    result = repo.run("-n", "manage", *PACKAGES)

    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 11
    assert lines[-1] == (
        "dry run: manage vim zsh git nvim ssh: would run 10 operations (link 9, mkdir 1); "
        "nothing was changed"
    )
    assert snapshot(repo.home, mtimes=True) == home_before
    assert snapshot(repo.dir, mtimes=True) == repo_before


def test_json_output_of_the_installed_script(repo):
    result = repo.run("manage", "vim", "--format", "json")

    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert doc["command"] == "manage"
    assert doc["packages"] == ["vim"]
    assert doc["summary"]["link"] == 2


@pytest.mark.parametrize(
    "command", [[str(DOT)], [sys.executable, "-m", "dot"]], ids=["script", "-m"]
)
@pytest.mark.parametrize("args", [["--version"], ["version"]], ids=" ".join)
def test_version(world, command, args):
    result = world.run(*args, command=command)

    assert result.returncode == 0
    assert result.stdout == VERSION_LINE
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["manage", "nope"], 5, "package not found in {dir}: nope"),
        (["unmanage", "vim"], 5, "not installed in {home}: vim"),
        (["manage", "../x"], 2, "package name '../x' must not contain a path separator"),
        (["manage", "a/b"], 2, "package name 'a/b' must not contain a path separator"),
        (["unmanage"], 2, "missing package names (or --all)"),
        (
            ["manage", "vim", "--jobs", "0"],
            2,
            "Invalid value for '-j' / '--jobs': 0 is not in the range x>=1. "
            "(see 'dot manage --help')",
        ),
    ],
    ids=lambda v: repr(v),
)
def test_error_exit_codes_of_the_installed_script(repo, args, code, message):
    home_before = snapshot(repo.home, mtimes=True)

    result = repo.run(*args)

    assert result.returncode == code
    expected = message.format(dir=repo.dir.resolve(), home=repo.home.resolve())
    assert result.stderr == f"dot: error: {expected}\n"
    assert result.stdout == ""
    assert snapshot(repo.home, mtimes=True) == home_before


def test_conflict_exit_code_of_the_installed_script(repo):
    (repo.home / ".vimrc").write_text("mine\n")
    home_before = snapshot(repo.home, mtimes=True)

    result = repo.run("manage", "vim")

    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr == (
        "dot: error: 1 conflict with policy 'fail'; nothing was changed (see --on-conflict)\n"
        "  .vimrc  existing      existing file in the way (wanted by vim)\n"
    )
    assert snapshot(repo.home, mtimes=True) == home_before


def test_corrupt_manifest_of_the_installed_script(repo):
    manifest = repo.home / ".dot-manifest.json"
    manifest.write_text("{oops")
    home_before = snapshot(repo.home, mtimes=True)

    result = repo.run("manage", "vim")

    assert result.returncode == 1
    assert result.stderr.startswith(
        f"dot: error: manifest {repo.home.resolve()}/.dot-manifest.json "
    )
    assert result.stderr.count("\n") == 1
    assert snapshot(repo.home, mtimes=True) == home_before


SETPRIV = shutil.which("setpriv")


def _unprivileged() -> list[str]:
    """A command prefix under which permission bits apply (root loses CAP_DAC_OVERRIDE)."""
    if os.geteuid() != 0:
        return []
    if SETPRIV is None:
        pytest.skip("running as root and setpriv is not available to drop CAP_DAC_OVERRIDE")
    return [SETPRIV, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def test_permission_denied_of_the_installed_script(repo):
    prefix = _unprivileged()
    repo.home.chmod(0o555)
    try:
        home_before = snapshot(repo.home, mtimes=True)
        result = repo.run("manage", "vim", command=[*prefix, str(DOT)])
        home_after = snapshot(repo.home, mtimes=True)
    finally:
        repo.home.chmod(0o755)

    if prefix and result.returncode == 0:  # pragma: no cover - a sandbox without capabilities
        pytest.fail("setpriv did not take CAP_DAC_OVERRIDE away")
    assert result.returncode == 4
    assert result.stdout == ""
    assert result.stderr == (
        f"dot: error: cannot write to {repo.home.resolve()}: permission denied; "
        "nothing was changed\n"
    )
    assert home_after == home_before


def test_output_survives_the_quick_exit(repo):
    """The script ends without the interpreter's teardown: what it printed, on a
    pipe (block-buffered), still arrives whole, and so do exit codes."""
    done = repo.run("--format", "json", "manage", *PACKAGES)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["command"] == "manage"
    listed = repo.run("--format", "json", "list")
    assert [p["name"] for p in json.loads(listed.stdout)["packages"]] == sorted(PACKAGES)
    missing = repo.run("unmanage", "nosuch")
    assert missing.returncode == 5
    assert missing.stderr.startswith("dot: error: ")


def test_a_closed_pipe_is_exit_1_without_noise(repo):
    """`dot list | head -0`: stdout closed before dot writes; no 'Exception ignored'."""
    repo.run("manage", *PACKAGES)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run(
            [str(DOT), "--format", "json", "list"],
            cwd=repo.dir,
            env=repo.env,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    assert result.returncode == 1
    assert "Exception ignored" not in result.stderr
    assert "Traceback" not in result.stderr


def test_the_console_entry_point_runs_without_the_cycle_collector(world):
    """A deliberate trade (see dot.cli.app.console): no cyclic GC in the short-lived
    process; `main`, which callers in the same process use, leaves it alone."""
    probe = (
        "import gc, sys\n"
        "from dot.cli import app, boundary\n"
        "boundary.run = lambda *args: print(gc.isenabled()) or 0\n"
        "app.main() if sys.argv[1] == 'main' else app.console()\n"
    )
    for entry, expected in (("console", "False"), ("main", "True")):
        result = world.run(entry, command=[sys.executable, "-c", probe])
        assert result.stdout.strip() == expected, result.stderr
