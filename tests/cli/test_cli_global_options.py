"""Global options are accepted before and after the command name (DESIGN.md section 1)."""

from __future__ import annotations

import json
import os
import re

import pytest

DRY_VIM = (
    "link    .vim -> ../dotfiles/vim/dot-vim\n"
    "link    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
    "dry run: manage vim: would run 2 operations (link 2); nothing was changed\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["-n", "manage", "vim"],
        ["manage", "vim", "-n"],
        ["manage", "-n", "vim"],
        ["--dry-run", "manage", "vim"],
        ["manage", "vim", "--dry-run"],
    ],
    ids=" ".join,
)
def test_dry_run_before_or_after_the_command(env, args):
    env.vim()
    before = env.state()

    result = env.dot(*args)

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == DRY_VIM
    assert env.state() == before


def test_dot_n_manage_is_dot_manage_n_with_dir(env, monkeypatch):
    """`dot -n manage vim` (defaults: cwd, $HOME) == `dot manage vim -n --dir D`."""
    env.vim()
    elsewhere = env.root / "elsewhere"
    elsewhere.mkdir()

    defaults = env.run("-n", "manage", "vim")
    monkeypatch.chdir(elsewhere)
    explicit = env.run("manage", "vim", "-n", "--dir", str(env.dir))

    assert (defaults.exit_code, defaults.stdout, defaults.stderr) == (0, DRY_VIM, "")
    assert (explicit.exit_code, explicit.stdout, explicit.stderr) == (0, DRY_VIM, "")


@pytest.mark.parametrize("long", [False, True], ids=["short", "long"])
def test_dir_and_target_after_the_command(env, monkeypatch, long):
    """-d/-t after the command win over cwd and $HOME."""
    env.vim()
    decoy_home = env.root / "decoy-home"
    decoy_cwd = env.root / "decoy-cwd"
    decoy_home.mkdir()
    decoy_cwd.mkdir()
    monkeypatch.setenv("HOME", str(decoy_home))
    monkeypatch.chdir(decoy_cwd)
    d, t = ("--dir", "--target") if long else ("-d", "-t")

    result = env.run("manage", "vim", d, str(env.dir), t, str(env.home))

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == {
        ".vim": "../dotfiles/vim/dot-vim",
        ".vimrc": "../dotfiles/vim/dot-vimrc",
    }
    assert list(decoy_home.iterdir()) == []
    assert list(decoy_cwd.iterdir()) == []


def test_relative_dir_and_target_are_taken_from_the_cwd(env, monkeypatch):
    env.vim()
    monkeypatch.chdir(env.root)

    result = env.run("manage", "vim", "-d", "dotfiles", "-t", "home")

    assert result.exit_code == 0, result.stderr
    assert os.readlink(env.home / ".vimrc") == "../dotfiles/vim/dot-vimrc"


def test_the_value_closest_to_the_end_wins(env):
    env.vim()
    decoy = env.root / "decoy"
    decoy.mkdir()

    result = env.run("-t", str(decoy), "manage", "vim", "-t", str(env.home))

    assert result.exit_code == 0, result.stderr
    assert env.home_names() == [*env.STATE, ".vim", ".vimrc"]
    assert list(decoy.iterdir()) == []


def test_on_conflict_after_the_command_overrides_the_one_before(env):
    env.vim()
    (env.home / ".vimrc").write_text("mine\n")
    before = env.state()

    result = env.dot("--on-conflict", "skip", "manage", "vim", "--on-conflict", "fail")

    assert result.exit_code == 3
    assert env.state() == before


def test_ignore_before_and_after_the_command_add_up(env):
    env.package(
        "vim",
        {"dot-vimrc": "v\n", "dot-gvimrc": "g\n", "dot-exrc": "e\n", "dot-vim/colors/x.vim": ""},
    )

    result = env.dot("--ignore", "dot-gvimrc", "-n", "manage", "vim", "--ignore", "dot-exrc")

    assert result.exit_code == 0
    assert result.stdout == DRY_VIM


@pytest.mark.parametrize(
    "args",
    [
        ["-v", "manage", "vim", "-v"],
        ["manage", "-v", "vim", "-v"],
        ["-vv", "manage", "vim"],
        ["manage", "vim", "-vv"],
        ["--verbose", "manage", "vim", "--verbose"],
    ],
    ids=" ".join,
)
def test_verbose_counts_add_up(env, args):
    """-vv shows the links that are already right (`keep`); -v alone does not."""
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0

    once = env.dot("-v", "manage", "vim")
    twice = env.dot(*args)

    assert once.exit_code == twice.exit_code == 0
    env.expect(once.stdout, "manage vim: nothing to do, no changes ({elapsed})\n")
    # -vv also reports each cache; the counts depend on what ran before in this process.
    caches = re.compile(
        r"cache (target view|content hash|ignore patterns): "
        r"\d+ hits, \d+ misses \(\d+% hit rate\)\n"
    )
    lines = twice.stdout.splitlines(keepends=True)
    assert [line for line in lines if caches.fullmatch(line)], twice.stdout
    env.expect(
        "".join(line for line in lines if not caches.fullmatch(line)),
        "keep    .vim -> ../dotfiles/vim/dot-vim\n"
        "keep    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "manage vim: nothing to do, no changes ({elapsed})\n",
    )


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_before_or_after(env, where):
    env.vim()
    args = ["-q", "manage", "vim"] if where == "before" else ["manage", "vim", "-q"]

    result = env.dot(*args)

    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert os.path.islink(env.home / ".vimrc")


@pytest.mark.parametrize("where", ["before", "after"])
def test_format_before_or_after(env, where):
    env.vim()
    args = ["--format", "json"]
    args = [*args, "manage", "vim"] if where == "before" else ["manage", "vim", *args]

    result = env.dot(*args)

    assert result.exit_code == 0
    assert json.loads(result.stdout)["command"] == "manage"
    assert result.stderr == ""


def test_flags_before_the_command_are_not_lost_by_flags_after(env):
    """Giving other options after the command does not reset -n given before it."""
    env.vim()
    before = env.state()

    result = env.dot("-n", "manage", "vim", "-v", "--on-conflict", "skip")

    assert result.exit_code == 0
    assert result.stdout == DRY_VIM
    assert env.state() == before


def test_no_folding_and_absolute_after_the_command(env):
    env.vim()

    result = env.dot("manage", "vim", "--no-folding", "--absolute")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == {
        ".vim/colors/x.vim": f"{env.real_dir}/vim/dot-vim/colors/x.vim",
        ".vimrc": f"{env.real_dir}/vim/dot-vimrc",
    }


def test_no_dotfiles_before_the_command(env):
    env.vim()

    result = env.dot("--no-dotfiles", "manage", "vim")

    assert result.exit_code == 0, result.stderr
    assert env.links(env.home) == {
        "dot-vim": "../dotfiles/vim/dot-vim",
        "dot-vimrc": "../dotfiles/vim/dot-vimrc",
    }


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [([], "executed on 1 thread"), (["--jobs", "4"], "executed on 4 threads")],
    ids=["auto", "jobs-4"],
)
def test_double_verbose_tells_how_many_threads_executed(env, jobs, expected):
    """Auto stays sequential on a local filesystem; --jobs N uses N for 64+ operations."""
    env.package("big", {f"dot-d{i}/f{j}": "x\n" for i in range(40) for j in range(2)})

    result = env.dot("-vv", "--no-folding", "manage", "big", *jobs)

    assert result.exit_code == 0, result.output
    assert expected + "\n" in result.stdout
    assert "executed on" not in env.dot("-vv", "-n", "unmanage", "big").stdout
