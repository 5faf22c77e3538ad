"""--dry-run shows one line per operation and a summary, and writes nothing at all."""

from __future__ import annotations

import json

import pytest


def test_dry_run_manage(env):
    env.vim()
    env.package("zsh", {"dot-zshrc": "z\n", "dot-config/zsh/aliases": "a\n"})
    before = env.state()

    result = env.dot("-n", "manage", "vim", "zsh")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "mkdir   .config/\n"
        "link    .vim -> ../dotfiles/vim/dot-vim\n"
        "link    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "link    .zshrc -> ../dotfiles/zsh/dot-zshrc\n"
        "link    .config/zsh -> ../../dotfiles/zsh/dot-config/zsh\n"
        "dry run: manage vim zsh: would run 5 operations (link 4, mkdir 1); nothing was changed\n"
    )
    assert env.state() == before
    assert not env.manifest.exists()


def test_dry_run_unmanage(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0
    before = env.state()

    result = env.dot("unmanage", "vim", "-n")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "unlink  .vim -> ../dotfiles/vim/dot-vim\n"
        "unlink  .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "dry run: unmanage vim: would run 2 operations (unlink 2); nothing was changed\n"
    )
    assert env.state() == before


def test_dry_run_unmanage_all(env):
    env.vim()
    env.package("zsh", {"dot-zshrc": "z\n"})
    assert env.dot("manage", "vim", "zsh").exit_code == 0
    before = env.state()

    result = env.dot("unmanage", "--all", "--dry-run")

    assert result.exit_code == 0
    assert result.stdout == (
        "unlink  .vim -> ../dotfiles/vim/dot-vim\n"
        "unlink  .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "unlink  .zshrc -> ../dotfiles/zsh/dot-zshrc\n"
        "dry run: unmanage vim zsh: would run 3 operations (unlink 3); nothing was changed\n"
    )
    assert env.state() == before


def test_dry_run_remanage_with_changes(env):
    package = env.vim()
    assert env.dot("manage", "vim").exit_code == 0
    (package / "dot-gvimrc").write_text("g\n")
    (package / "dot-vimrc").unlink()
    before = env.state()

    result = env.dot("-n", "remanage", "vim")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "link    .gvimrc -> ../dotfiles/vim/dot-gvimrc\n"
        "unlink  .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "dry run: remanage vim: would run 2 operations (link 1, unlink 1); nothing was changed\n"
    )
    assert env.state() == before


def test_dry_run_remanage_unchanged(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0
    before = env.state()

    result = env.dot("-n", "remanage", "vim")

    assert result.exit_code == 0
    assert result.stdout == "dry run: remanage vim: nothing to do\n"
    assert env.state() == before


def test_dry_run_manage_with_backup_policy_moves_nothing(env):
    env.vim()
    (env.home / ".vimrc").write_text("mine\n")
    before = env.state()

    result = env.dot("-n", "manage", "vim", "--on-conflict", "backup")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "link    .vim -> ../dotfiles/vim/dot-vim"
    assert lines[1].startswith(f"backup  .vimrc => {env.real_home}/.dot-backup/")
    assert lines[1].endswith("/.vimrc")
    assert lines[2:] == [
        "link    .vimrc -> ../dotfiles/vim/dot-vimrc",
        "dry run: manage vim: would run 3 operations (link 2, backup 1); nothing was changed",
    ]
    assert env.state() == before


def test_dry_run_with_skip_reports_the_skipped_path(env):
    env.vim()
    (env.home / ".vimrc").write_text("mine\n")
    before = env.state()

    result = env.dot("-n", "manage", "vim", "--on-conflict", "skip")

    assert result.exit_code == 0
    assert result.stdout == (
        "link    .vim -> ../dotfiles/vim/dot-vim\n"
        "dry run: manage vim: would run 1 operation (link 1); 1 skipped; nothing was changed\n"
    )
    assert result.stderr == (
        "dot: warning: skipped .vimrc  [existing] existing file in the way (wanted by vim)\n"
    )
    assert env.state() == before


@pytest.mark.parametrize("command", ["manage", "unmanage", "remanage"])
def test_dry_run_json(env, command):
    package = env.vim()
    if command != "manage":
        assert env.dot("manage", "vim").exit_code == 0
    if command == "remanage":
        (package / "dot-gvimrc").write_text("g\n")
    before = env.state()

    result = env.dot("-n", command, "vim", "--format", "json")

    assert result.exit_code == 0
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert doc["command"] == command
    assert doc["dry_run"] is True
    assert doc["changed"] is False
    assert doc["manifest_written"] is False
    assert doc["operations"]
    assert env.state() == before
