"""A realistic dotfiles repository driven through the installed `dot` in a subprocess.

$HOME is a temp home with $XDG_CONFIG_HOME inside it, the working directory is the
repository, so the defaults (--dir = cwd, --target = $HOME) are what is tested. One
long story: manage everything, look at it (status, list, doctor), edit the repo and
remanage, adopt a file of the user's, and unmanage everything, after which $HOME is
byte for byte (modes included) what it was. Then a config file that sets `dir` and
`target`, used from an unrelated directory.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

DOT = Path(sys.executable).with_name("dot")
COMMAND = [str(DOT)] if DOT.exists() else [sys.executable, "-m", "dot"]

REPO = {
    "vim/dot-vimrc": "set number\n",
    "vim/dot-vim/colors/x.vim": "hi Normal guibg=black\n",
    "zsh/dot-zshrc": "source ~/.zshenv\n",
    "zsh/README.md": "my zsh setup\n",
    "git/dot-gitconfig": "[user]\n\tname = Me\n",
    "nvim/dot-config/nvim/init.lua": "require('opts')\n",
    "nvim/dot-config/nvim/lua/opts.lua": "vim.o.number = true\n",
    "ssh/dot-ssh/config": "Host *\n  AddKeysToAgent yes\n",
    "README.md": "my dotfiles\n",
    ".git/HEAD": "ref: refs/heads/main\n",
}
PACKAGES = ["vim", "zsh", "git", "nvim", "ssh"]
LINKS = {
    ".vimrc": "../dotfiles/vim/dot-vimrc",
    ".vim": "../dotfiles/vim/dot-vim",
    ".zshrc": "../dotfiles/zsh/dot-zshrc",
    ".gitconfig": "../dotfiles/git/dot-gitconfig",
    ".config/nvim": "../../dotfiles/nvim/dot-config/nvim",
    ".ssh/config": "../../dotfiles/ssh/dot-ssh/config",
}
ELAPSED = r"(?:\d+ ms|\d+\.\d s)"
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"


def expect(text: str, template: str) -> None:
    """`text` equals `template`, where {elapsed} is a duration and {when} an install time."""
    pattern = (
        re.escape(template)
        .replace(re.escape("{elapsed}"), ELAPSED)
        .replace(re.escape("{when}"), WHEN)
    )
    assert re.fullmatch(pattern, text), f"\n--- got ---\n{text}--- expected ---\n{template}"


def snapshot(root: Path, *, mtimes: bool = False) -> dict[str, tuple[Any, ...]]:
    """Everything below `root`, root included, without following links: type, bytes, mode."""
    out: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        st = os.lstat(base)
        out[str(base.relative_to(root))] = (
            "dir",
            stat.S_IMODE(st.st_mode),
            st.st_mtime_ns if mtimes else None,
        )
        for name in filenames + [d for d in dirnames if (base / d).is_symlink()]:
            full = base / name
            st = os.lstat(full)
            rel = str(full.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(full))
            else:
                when = st.st_mtime_ns if mtimes else None
                out[rel] = ("file", full.read_bytes(), stat.S_IMODE(st.st_mode), when)
        dirnames[:] = [d for d in dirnames if not (base / d).is_symlink()]
    return out


def links_below(root: Path) -> dict[str, str]:
    return {p: v[1] for p, v in snapshot(root).items() if v[0] == "link"}


class World:
    """A temp root holding the repo `dotfiles/` and the home `home/`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "dotfiles"
        self.home = root / "home"
        self.xdg = self.home / ".config"
        self.dir.mkdir()
        self.home.mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.xdg),
            "LANG": "C.UTF-8",
        }
        if "PYTHONPATH" in os.environ:  # run the same `dot` as this test process
            self.env["PYTHONPATH"] = os.environ["PYTHONPATH"]

    def write(self, files: dict[str, str], base: Path) -> None:
        for rel, content in files.items():
            path = base / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)

    def dot(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*COMMAND, *args],
            cwd=cwd or self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def ok(self, *args: str, cwd: Path | None = None) -> str:
        result = self.dot(*args, cwd=cwd)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        assert result.stderr == "", result.stderr
        return result.stdout


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.write(REPO, world.dir)
    # The user's own files: a shell rc, a private tmux config, an executable script.
    world.write({".bashrc": "# mine\n", ".tmux.conf": "set -g mouse on\n"}, world.home)
    (world.home / ".tmux.conf").chmod(0o600)
    world.write({"bin/hello": "#!/bin/sh\necho hello\n"}, world.home)
    (world.home / "bin" / "hello").chmod(0o755)
    return world


def test_a_realistic_repository_from_manage_to_unmanage(world):
    home_before = snapshot(world.home)

    # --- manage everything -------------------------------------------------------------
    expect(
        world.ok("manage", *PACKAGES),
        "manage vim zsh git nvim ssh: 8 operations (link 6, mkdir 2) in {elapsed}\n",
    )
    assert links_below(world.home) == LINKS
    for directory in (".config", ".ssh"):  # never folded: real directories
        assert (world.home / directory).is_dir()
        assert not (world.home / directory).is_symlink()
    assert (world.home / ".config/nvim").is_symlink()  # nvim itself is folded
    assert (world.home / ".config/nvim/lua/opts.lua").read_text() == "vim.o.number = true\n"
    assert (world.home / ".vim/colors/x.vim").read_text() == "hi Normal guibg=black\n"
    assert not (world.home / "README.md").exists()
    assert not (world.home / ".git").exists()
    for path in LINKS:
        real = os.path.realpath(world.home / path)
        assert real.startswith(str(world.dir.resolve()) + "/")

    # --- look at it ----------------------------------------------------------------------
    expect(
        world.ok("status"),
        "git (managed, installed {when}): 1 link, 1 ok\n"
        "  ok            .gitconfig -> ../dotfiles/git/dot-gitconfig\n"
        "nvim (managed, installed {when}): 1 link, 1 ok\n"
        "  ok            .config/nvim -> ../../dotfiles/nvim/dot-config/nvim\n"
        "ssh (managed, installed {when}): 1 link, 1 ok\n"
        "  ok            .ssh/config -> ../../dotfiles/ssh/dot-ssh/config\n"
        "vim (managed, installed {when}): 2 links, 2 ok\n"
        "  ok            .vim -> ../dotfiles/vim/dot-vim\n"
        "  ok            .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "zsh (managed, installed {when}): 1 link, 1 ok\n"
        "  ok            .zshrc -> ../dotfiles/zsh/dot-zshrc\n"
        "5 packages, 6 links: 6 ok\n",
    )
    expect(
        world.ok("list", "--sort", "links"),
        "vim      2 links  installed {when}\n"
        "git       1 link  installed {when}\n"
        "nvim      1 link  installed {when}\n"
        "ssh       1 link  installed {when}\n"
        "zsh       1 link  installed {when}\n",
    )
    assert world.ok("doctor") == "healthy: no problems; 6 links checked (depth 5)\n"
    status = json.loads(world.ok("status", "--format", "json"))
    assert status["dir"] == str(world.dir.resolve())
    assert status["target"] == str(world.home.resolve())
    assert status["healthy"] is True

    # --- edit the repo, then remanage: only the difference is applied ---------------------
    installed = snapshot(world.home, mtimes=True)
    (world.dir / "zsh" / "dot-zshenv").write_text("export EDITOR=nvim\n")
    (world.dir / "vim" / "dot-vimrc").unlink()

    expect(
        world.ok("-v", "remanage", *PACKAGES),
        "unlink  .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "link    .zshenv -> ../dotfiles/zsh/dot-zshenv\n"
        "remanage vim zsh git nvim ssh: 2 operations (link 1, unlink 1) in {elapsed}\n",
    )
    after = snapshot(world.home, mtimes=True)
    changed = {p for p in set(installed) | set(after) if installed.get(p) != after.get(p)}
    # The two links, the home directory that holds them, and dot's manifest (with its
    # copy and stamps).
    state = {".dot-manifest.json", ".dot-manifest.json.copy", ".dot-manifest.json.stamps"}
    assert changed == {".vimrc", ".zshenv", ".", *state}
    assert os.readlink(world.home / ".zshenv") == "../dotfiles/zsh/dot-zshenv"
    expect(
        world.ok("remanage", *PACKAGES),
        "remanage vim zsh git nvim ssh: up to date, no changes ({elapsed})\n",
    )

    # --- adopt a file of the user's into a new package -------------------------------------
    expect(
        world.ok("adopt", "tmux", str(world.home / ".tmux.conf")),
        "adopt tmux: 3 operations (link 1, mkdir 1, move 1) in {elapsed}\n",
    )
    assert os.readlink(world.home / ".tmux.conf") == "../dotfiles/tmux/dot-tmux.conf"
    adopted = world.dir / "tmux" / "dot-tmux.conf"
    assert adopted.read_text() == "set -g mouse on\n"
    assert stat.S_IMODE(adopted.stat().st_mode) == 0o600
    expect(
        world.ok("list"),
        "".join(
            f"{line}\n"
            for line in (
                "git       1 link  installed {when}",
                "nvim      1 link  installed {when}",
                "ssh       1 link  installed {when}",
                "tmux      1 link  installed {when}  (adopted)",
                "vim       1 link  installed {when}",
                "zsh      2 links  installed {when}",
            )
        ),
    )
    assert world.ok("doctor") == "healthy: no problems; 7 links checked (depth 5)\n"

    # --- unmanage everything: $HOME is what it was ------------------------------------------
    expect(
        world.ok("unmanage", "--all"),
        # More than five packages are counted, not named.
        "unmanage 6 packages: 10 operations (unlink 7, rmdir 2, copy 1) in {elapsed}\n",
    )
    assert snapshot(world.home) == home_before
    assert world.ok("list") == f"nothing installed in {world.home.resolve()}\n"
    # The package keeps its copy of the adopted file.
    assert adopted.read_text() == "set -g mouse on\n"


def test_dry_run_of_the_whole_repository_writes_nothing(world):
    home_before = snapshot(world.home, mtimes=True)
    repo_before = snapshot(world.dir, mtimes=True)

    out = world.ok("--dry-run", "manage", *PACKAGES)

    assert out.splitlines()[-1] == (
        "dry run: manage vim zsh git nvim ssh: would run 8 operations (link 6, mkdir 2); "
        "nothing was changed"
    )
    assert len(out.splitlines()) == 9
    assert snapshot(world.home, mtimes=True) == home_before
    assert snapshot(world.dir, mtimes=True) == repo_before


def test_the_manifest_is_rebuilt_after_it_is_lost(world):
    world.ok("manage", *PACKAGES)
    before = world.ok("status", "--format", "json")
    (world.home / ".dot-manifest.json").unlink()

    assert world.dot("doctor").returncode == 1
    fixed = world.ok("doctor", "--fix")

    assert fixed.endswith("6 problems: 6 fixed, 0 left; 6 links checked (depth 5)\n")
    assert json.loads(world.ok("status", "--format", "json")) == json.loads(before)


def test_config_file_sets_dir_and_target_for_any_working_directory(world):
    target = world.root / "sandbox"
    target.mkdir()
    elsewhere = world.root / "elsewhere"
    elsewhere.mkdir()
    config = world.xdg / "dot" / "config.toml"
    config.parent.mkdir(parents=True)
    # `~` in a path expands to $HOME; the package dir is given absolutely.
    config.write_text(f'dir = "{world.dir}"\ntarget = "~/../sandbox"\n')
    home_before = snapshot(world.home)

    expect(
        world.ok("manage", "vim", "ssh", cwd=elsewhere),
        "manage vim ssh: 4 operations (link 3, mkdir 1) in {elapsed}\n",
    )

    assert links_below(target) == {
        ".vimrc": "../dotfiles/vim/dot-vimrc",
        ".vim": "../dotfiles/vim/dot-vim",
        ".ssh/config": "../../dotfiles/ssh/dot-ssh/config",
    }
    assert snapshot(world.home) == home_before  # nothing went to $HOME
    assert os.listdir(elsewhere) == []
    status = json.loads(world.ok("status", "--format", "json", cwd=elsewhere))
    assert (status["dir"], status["target"]) == (
        str(world.dir.resolve()),
        str(target.resolve()),
    )
    assert [p["name"] for p in status["packages"]] == ["ssh", "vim"]
    assert world.ok("doctor", cwd=elsewhere).startswith("healthy: no problems; ")

    # A flag still wins over the config file.
    other = world.root / "other"
    other.mkdir()
    world.ok("manage", "git", "-t", str(other), cwd=elsewhere)
    assert links_below(other) == {".gitconfig": "../dotfiles/git/dot-gitconfig"}

    world.ok("unmanage", "--all", cwd=elsewhere)
    assert snapshot(target) == {".": ("dir", stat.S_IMODE(target.stat().st_mode), None)}


def test_python_dash_m_is_the_same_program(world):
    result = subprocess.run(
        [sys.executable, "-m", "dot", "status"],
        cwd=world.dir,
        env=world.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"nothing installed in {world.home.resolve()}\n"
