"""Version, help, and edge cases of the command line."""

from __future__ import annotations

import json
import os
import platform
import re

import pytest

from dot import __version__

VERSION_LINE = (
    f"dot {__version__} (Python {platform.python_version()}, "
    f"{platform.system()} {platform.machine()})\n"
)


# --- version and help ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["version"],
        ["-v", "version"],
        ["version", "-q"],
        ["--version", "manage", "vim"],
    ],
    ids=" ".join,
)
def test_version(env, args):
    before = env.state()

    result = env.run(*args)

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == VERSION_LINE
    assert re.fullmatch(r"dot \S+ \(Python \d+\.\d+\.\d+\S*, \S+ \S+\)\n", result.stdout)
    assert env.state() == before


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["--help"], "Usage: dot [OPTIONS] COMMAND [ARGS]..."),
        (["-h"], "Usage: dot [OPTIONS] COMMAND [ARGS]..."),
        (["manage", "--help"], "Usage: dot manage [OPTIONS] PKG..."),
        (["unmanage", "-h"], "Usage: dot unmanage [OPTIONS] PKG..."),
        (["remanage", "--help"], "Usage: dot remanage [OPTIONS] PKG..."),
    ],
    ids=lambda v: repr(v),
)
def test_help(env, args, usage):
    result = env.run(*args)

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.startswith(usage + "\n")


def test_global_options_are_listed_in_every_command_help(env):
    result = env.run("manage", "--help")

    for option in ["--dir", "--target", "--dry-run", "--on-conflict", "--format", "--jobs"]:
        assert option in result.stdout


def test_bare_dot_is_not_a_help_page_disguised_as_an_error(env):
    result = env.run()

    assert result.exit_code == 2
    assert not result.stderr.startswith("dot: error: Usage:")
    assert "(see 'dot --help')" not in result.stderr.split("\n", 1)[-1]


# --- unmanage --all ------------------------------------------------------------------


def test_unmanage_all_removes_every_installed_package(env):
    env.vim()
    env.package("ssh", {"dot-ssh/config": "Host *\n"})
    before = env.tree_state(env.home, mtimes=False)
    assert env.dot("manage", "vim", "ssh").exit_code == 0

    result = env.dot("unmanage", "--all", "-v")

    assert result.exit_code == 0
    env.expect(
        result.stdout,
        "unlink  .ssh/config -> ../../dotfiles/ssh/dot-ssh/config\n"
        "unlink  .vim -> ../dotfiles/vim/dot-vim\n"
        "unlink  .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "rmdir   .ssh/\n"
        "unmanage ssh vim: 4 operations (unlink 3, rmdir 1) in {elapsed}\n",
    )
    assert env.tree_state(env.home, mtimes=False) == before


def test_unmanage_all_with_nothing_installed_is_a_no_op(env):
    env.vim()
    before = env.state()

    result = env.dot("unmanage", "--all")

    assert result.exit_code == 0
    assert "no packages given" not in result.stderr
    assert env.state() == before


# --- two packages that provide the same file in one run ---------------------------------


@pytest.fixture
def twins(env):
    """Packages a and b both provide dot-rc; a also has dot-aonly."""
    env.package("a", {"dot-rc": "A\n", "dot-aonly": "x\n"})
    env.package("b", {"dot-rc": "B\n"})
    return env


def test_twins_under_fail_is_a_conflict_and_changes_nothing(twins):
    env = twins
    before = env.state()

    result = env.dot("manage", "a", "b")

    assert result.exit_code == 3
    assert env.state() == before


def test_twins_under_skip_link_the_file_once(twins):
    env = twins

    result = env.dot("manage", "a", "b", "--on-conflict", "skip")

    assert result.exit_code == 0
    assert os.path.islink(env.home / ".rc")


@pytest.mark.parametrize("policy", ["backup", "overwrite"])
def test_twins_under_backup_or_overwrite_are_a_conflict_not_an_io_error(twins, policy):
    env = twins
    before = env.state()

    result = env.dot("manage", "a", "b", "--on-conflict", policy)

    assert "No such file or directory" not in result.stderr
    assert result.exit_code == 3
    assert ".rc  other-package package a of this same run wants it too" in result.stderr
    assert env.state() == before


def test_twins_conflicts_do_not_depend_on_argument_order(twins):
    env = twins
    assert env.dot("manage", "b").exit_code == 0

    ab = env.dot("manage", "a", "b", "--format", "json")
    ba = env.dot("manage", "b", "a", "--format", "json")

    assert ab.exit_code == ba.exit_code == 3
    assert json.loads(ab.stdout) == json.loads(ba.stdout)


def test_twins_backup_then_unmanage_all_leaves_the_target_as_before(twins):
    env = twins
    assert env.dot("manage", "b").exit_code == 0
    # b's own link is never backed up to make room for a in the same run
    assert env.dot("manage", "a", "b", "--on-conflict", "backup").exit_code == 3

    result = env.dot("unmanage", "--all")

    assert result.exit_code == 0
    assert list(env.home.iterdir()) == []
