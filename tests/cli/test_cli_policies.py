"""Conflict policies through the CLI: skip, backup, overwrite, adopt (DESIGN.md section 4)."""

from __future__ import annotations

import os
import re

import pytest

RUN_ID = r"[^/]+"


def obstacle(env, name=".vimrc", content="mine\n", mode=0o600):
    path = env.home / name
    path.write_text(content)
    path.chmod(mode)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_123_456_789))
    return path


def file_facts(path):
    st = os.lstat(path)
    return path.read_bytes(), st.st_mode, st.st_mtime_ns


# --- skip ----------------------------------------------------------------------------


def test_skip_installs_the_rest_and_lists_what_it_skipped(env):
    env.vim()
    mine = obstacle(env)
    facts = file_facts(mine)

    result = env.dot("manage", "vim", "--on-conflict", "skip")

    assert result.exit_code == 0
    env.expect(result.stdout, "manage vim: 1 operation (link 1); 1 skipped in {elapsed}\n")
    assert result.stderr == (
        "dot: warning: skipped .vimrc  [existing] existing file in the way (wanted by vim)\n"
    )
    assert file_facts(mine) == facts
    assert env.links(env.home) == {".vim": "../dotfiles/vim/dot-vim"}


def test_skip_then_unmanage_leaves_the_skipped_file(env):
    env.vim()
    mine = obstacle(env)
    facts = file_facts(mine)
    assert env.dot("manage", "vim", "--on-conflict", "skip").exit_code == 0

    result = env.dot("unmanage", "vim")

    assert result.exit_code == 0
    assert sorted(p.name for p in env.home.iterdir()) == [".vimrc"]
    assert file_facts(mine) == facts


# --- backup --------------------------------------------------------------------------


def test_backup_moves_the_file_under_dot_backup_and_links(env):
    env.vim()
    mine = obstacle(env)
    facts = file_facts(mine)

    result = env.dot("manage", "vim", "--on-conflict", "backup", "-v")

    assert result.exit_code == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "link    .vim -> ../dotfiles/vim/dot-vim"
    match = re.fullmatch(
        rf"backup  \.vimrc => {re.escape(env.real_home)}/\.dot-backup/({RUN_ID})/\.vimrc", lines[1]
    )
    assert match, lines[1]
    assert lines[2] == "link    .vimrc -> ../dotfiles/vim/dot-vimrc"
    env.expect(lines[3] + "\n", "manage vim: 3 operations (link 2, backup 1) in {elapsed}\n")
    assert len(lines) == 4

    run_id = match.group(1)
    backups = env.home / ".dot-backup"
    assert [p.name for p in backups.iterdir()] == [run_id]
    assert [p.name for p in (backups / run_id).iterdir()] == [".vimrc"]
    assert file_facts(backups / run_id / ".vimrc") == facts
    assert os.readlink(mine) == "../dotfiles/vim/dot-vimrc"


def test_unmanage_restores_the_backup_exactly(env):
    env.vim()
    mine = obstacle(env)
    facts = file_facts(mine)
    inode = os.lstat(mine).st_ino
    before = env.tree_state(env.home, mtimes=False)
    assert env.dot("manage", "vim", "--on-conflict", "backup").exit_code == 0

    result = env.dot("unmanage", "vim", "-v")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "unlink  .vim -> ../dotfiles/vim/dot-vim",
        "unlink  .vimrc -> ../dotfiles/vim/dot-vimrc",
    ]
    assert re.fullmatch(
        rf"restore \.vimrc <= {re.escape(env.real_home)}/\.dot-backup/{RUN_ID}/\.vimrc", lines[2]
    )
    env.expect(lines[3] + "\n", "unmanage vim: 3 operations (unlink 2, restore 1) in {elapsed}\n")
    assert file_facts(mine) == facts
    assert os.lstat(mine).st_ino == inode
    assert env.tree_state(env.home, mtimes=False) == before


def test_backup_of_a_non_empty_directory_and_its_restore(env):
    env.vim()
    blocker = env.home / ".vimrc"
    blocker.mkdir()
    (blocker / "keep").write_text("k\n")
    before = env.tree_state(env.home, mtimes=False)

    managed = env.dot("manage", "vim", "--on-conflict", "backup")

    assert managed.exit_code == 0
    assert os.readlink(blocker) == "../dotfiles/vim/dot-vimrc"
    (run_dir,) = (env.home / ".dot-backup").iterdir()
    assert (run_dir / ".vimrc" / "keep").read_text() == "k\n"

    assert env.dot("unmanage", "vim").exit_code == 0
    assert env.tree_state(env.home, mtimes=False) == before


def test_backup_dir_option(env):
    env.vim()
    mine = obstacle(env)
    facts = file_facts(mine)
    elsewhere = env.root / "backups"
    elsewhere.mkdir()

    result = env.dot("manage", "vim", "--on-conflict", "backup", "--backup-dir", str(elsewhere))

    assert result.exit_code == 0
    (run_dir,) = elsewhere.iterdir()
    assert file_facts(run_dir / ".vimrc") == facts
    assert not (env.home / ".dot-backup").exists()

    assert env.dot("unmanage", "vim").exit_code == 0
    assert file_facts(mine) == facts


# --- overwrite -----------------------------------------------------------------------


def test_overwrite_deletes_the_file_and_links(env):
    env.vim()
    obstacle(env)

    result = env.dot("manage", "vim", "--on-conflict", "overwrite", "-v")

    assert result.exit_code == 0
    env.expect(
        result.stdout,
        "link    .vim -> ../dotfiles/vim/dot-vim\n"
        "delete  .vimrc (file)\n"
        "link    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "manage vim: 3 operations (link 2, delete 1) in {elapsed}\n",
    )
    assert sorted(p.name for p in env.home.iterdir()) == [".dot-manifest.json", ".vim", ".vimrc"]
    assert os.readlink(env.home / ".vimrc") == "../dotfiles/vim/dot-vimrc"

    assert env.dot("unmanage", "vim").exit_code == 0
    assert list(env.home.iterdir()) == []


def test_overwrite_replaces_a_foreign_link(env):
    # The foreign link points into the temp dir: the write guard in tests/conftest.py
    # resolves the final symlink of a path it checks, so unlinking a link to /elsewhere
    # would be reported as a write outside the temp dir.
    env.vim()
    (env.home / ".vim").symlink_to(env.root / "elsewhere")

    result = env.dot("manage", "vim", "--on-conflict", "overwrite")

    assert result.exit_code == 0, result.stderr
    assert os.readlink(env.home / ".vim") == "../dotfiles/vim/dot-vim"


def test_overwrite_removes_an_empty_directory(env):
    env.vim()
    (env.home / ".vimrc").mkdir()

    result = env.dot("manage", "vim", "--on-conflict", "overwrite", "-v")

    assert result.exit_code == 0
    assert "delete  .vimrc (dir)\n" in result.stdout
    assert os.readlink(env.home / ".vimrc") == "../dotfiles/vim/dot-vimrc"


def test_overwrite_never_deletes_a_non_empty_directory(env):
    env.vim()
    blocker = env.home / ".vimrc"
    blocker.mkdir()
    (blocker / "keep").write_text("k\n")
    before = env.state()

    result = env.dot("manage", "vim", "--on-conflict", "overwrite")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "dot: error: 1 conflict with policy 'overwrite'; nothing was changed\n"
        "  .vimrc  type-clash    package has a file, target has a dir (wanted by vim)\n"
    )
    assert env.state() == before


# --- adopt ---------------------------------------------------------------------------


def test_adopt_moves_the_target_file_into_the_package_and_links(env):
    package = env.vim()
    original = (package / "dot-vimrc").read_text()
    obstacle(env, content="theirs\n")

    result = env.dot("manage", "vim", "--on-conflict", "adopt", "-v")

    assert result.exit_code == 0
    assert result.stderr == ""
    env.expect(
        result.stdout,
        "link    .vim -> ../dotfiles/vim/dot-vim\n"
        "adopt   .vimrc => vim/dot-vimrc\n"
        "link    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "manage vim: 3 operations (link 2, adopt 1) in {elapsed}\n",
    )
    assert (package / "dot-vimrc").read_text() == "theirs\n"
    assert os.readlink(env.home / ".vimrc") == "../dotfiles/vim/dot-vimrc"
    # The package's previous copy is kept, not lost.
    (stash,) = (env.home / ".dot-backup").glob("*/vim/dot-vimrc")
    assert stash.read_text() == original


def test_unmanage_after_adopt_leaves_a_real_copy(env):
    package = env.vim()
    obstacle(env, content="theirs\n")
    assert env.dot("manage", "vim", "--on-conflict", "adopt").exit_code == 0

    result = env.dot("unmanage", "vim", "-v")

    assert result.exit_code == 0
    env.expect(
        result.stdout,
        "unlink  .vim -> ../dotfiles/vim/dot-vim\n"
        "unlink  .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "copy    .vimrc <= vim/dot-vimrc\n"
        "unmanage vim: 3 operations (unlink 2, copy 1) in {elapsed}\n",
    )
    vimrc = env.home / ".vimrc"
    assert not vimrc.is_symlink()
    assert vimrc.read_text() == "theirs\n"
    assert (package / "dot-vimrc").read_text() == "theirs\n"


@pytest.mark.parametrize("policy", ["skip", "backup", "overwrite", "adopt"])
def test_no_conflict_means_the_policy_changes_nothing(env, policy):
    env.vim()

    result = env.dot("manage", "vim", "--on-conflict", policy, "-v")

    assert result.exit_code == 0
    env.expect(
        result.stdout,
        "link    .vim -> ../dotfiles/vim/dot-vim\n"
        "link    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "manage vim: 2 operations (link 2) in {elapsed}\n",
    )
    assert sorted(p.name for p in env.home.iterdir()) == [".dot-manifest.json", ".vim", ".vimrc"]
