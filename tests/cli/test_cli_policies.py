"""Conflict policies through the CLI: skip, backup, overwrite, adopt (DESIGN.md section 4)."""

from __future__ import annotations

import json
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
    assert env.home_names() == [*env.STATE, ".vim", ".vimrc"]
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
    assert env.home_names() == [*env.STATE, ".vim", ".vimrc"]


# --- backups deleted by hand ---------------------------------------------------------


def test_unmanage_forgets_a_backup_deleted_by_hand(env):
    """Nothing to put back is not an error: unmanage still removes the links (it used
    to fail and roll back, every time, leaving no way out but editing the manifest)."""
    env.vim()
    obstacle(env)
    assert env.dot("manage", "vim", "--on-conflict", "backup").exit_code == 0
    (run_dir,) = (env.home / ".dot-backup").iterdir()
    (run_dir / ".vimrc").unlink()

    result = env.dot("unmanage", "vim")

    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"dot: warning: the backup of .vimrc (package vim) is gone from {run_dir}/.vimrc; "
        "there is nothing to put back, so dot forgets it\n"
    )
    assert env.links(env.home) == {}
    assert not (env.home / ".vimrc").exists() and not env.manifest.exists()


def test_a_waiting_backup_deleted_by_hand_no_longer_blocks_later_runs(env):
    env.package("a", {"dot-xrc": "a\n"})
    env.package("c", {"dot-crc": "c\n"})
    obstacle(env, ".xrc")
    assert env.dot("manage", "a", "--on-conflict", "backup").exit_code == 0
    xrc = env.home / ".xrc"
    xrc.unlink()
    xrc.write_text("new\n")  # the path is taken: a's backup has to wait
    assert env.dot("unmanage", "a").exit_code == 0
    (stored,) = (s for s in (env.home / ".dot-backup").rglob(".xrc"))
    stored.unlink()
    xrc.unlink()  # free again, but there is nothing left to put back

    result = env.dot("manage", "c")

    assert result.exit_code == 0, result.output
    assert "the backup of .xrc (package a) is gone" in result.stderr
    assert env.links(env.home) == {".crc": "../dotfiles/c/dot-crc"}
    assert not xrc.exists()
    assert json.loads(env.manifest.read_text())["orphans"] == []
    again = env.dot("manage", "c")  # forgotten for good: no more warnings
    assert again.exit_code == 0 and again.stderr == ""


def test_unmanage_all_with_nothing_installed_still_puts_waiting_backups_back(env):
    env.package("a", {"dot-xrc": "a\n"})
    mine = obstacle(env, ".xrc")
    facts = file_facts(mine)
    assert env.dot("manage", "a", "--on-conflict", "backup").exit_code == 0
    mine.unlink()
    mine.write_text("in the way\n")
    assert env.dot("unmanage", "a").exit_code == 0  # the backup waits: .xrc is taken
    mine.unlink()

    result = env.dot("unmanage", "--all")

    assert result.exit_code == 0, result.output
    assert file_facts(mine) == facts
    assert not env.manifest.exists()


@pytest.mark.parametrize("policy", ["backup", "overwrite"])
def test_a_directory_an_installed_package_needs_is_named_as_such(env, policy):
    """Not "of this same run": the package that needs the directory was installed earlier."""
    env.package("a", {"dot-config/a/x": "x\n"})
    env.package("b", {"dot-config": "b\n"})
    assert env.dot("manage", "a").exit_code == 0
    before = env.state()

    result = env.dot("manage", "b", "--on-conflict", policy)

    assert result.exit_code == 3
    assert result.stderr.splitlines()[1:] == [
        "  .config  type-clash    a directory package a needs (its links are inside) (wanted by b)"
    ]
    assert env.state() == before
    doc = json.loads(env.dot("manage", "b", "--on-conflict", policy, "--format", "json").stdout)
    (conflict,) = doc["error"]["conflicts"]
    assert (conflict["detail"], conflict["in_run"], conflict["holds"]) == ("a", True, True)


def test_skip_reports_each_package_that_meets_the_obstacle(env, tmp_path):
    env.package("a", {"dot-foo/x": "1\n"})
    env.package("b", {"dot-foo/y": "2\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (env.home / ".foo").symlink_to(elsewhere)

    result = env.dot("manage", "a", "b", "--on-conflict", "skip")

    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"dot: warning: skipped .foo  [foreign-link] symlink to somewhere else ({elsewhere}) "
        "(wanted by a)",
        f"dot: warning: skipped .foo  [foreign-link] symlink to somewhere else ({elsewhere}) "
        "(wanted by b)",
    ]
    assert os.readlink(env.home / ".foo") == str(elsewhere)
    assert list(elsewhere.iterdir()) == []
    doc = json.loads(
        env.dot("manage", "a", "b", "--on-conflict", "skip", "--format", "json").stdout
    )
    first, second = doc["skipped"]
    assert (first["package"], first["source"], first["in_run"]) == ("a", "dot-foo", False)
    assert (second["package"], second["source"], second["in_run"]) == ("b", "dot-foo", False)
    assert second["detail"] == first["detail"] == str(elsewhere)


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")], ids=["a-first", "b-first"])
def test_skip_leaves_the_obstacle_so_the_order_of_packages_does_not_matter(env, order):
    """a's file `.b` is refused by the real directory there; b still links into it."""
    env.package("a", {"dot-b": "a\n"})
    env.package("b", {"dot-b/rc": "b\n"})
    (env.home / ".b").mkdir()
    (env.home / ".b" / "mine").write_text("mine\n")

    result = env.dot("manage", *order, "--on-conflict", "skip")

    assert result.exit_code == 0, result.output
    assert os.readlink(env.home / ".b" / "rc") == "../../dotfiles/b/dot-b/rc"
    assert (env.home / ".b" / "mine").read_text() == "mine\n"
    again = env.dot("manage", "b", "a", "--on-conflict", "skip", "--format", "json")
    assert json.loads(again.stdout)["operations"] == []


def test_status_lists_backups_waiting_for_their_path(env):
    env.package("a", {"dot-xrc": "a\n"})
    xrc = env.home / ".xrc"
    xrc.write_text("mine\n")
    assert env.dot("manage", "a", "--on-conflict", "backup").exit_code == 0
    xrc.unlink()
    xrc.write_text("new\n")  # the path is taken: a's backup has to wait
    assert env.dot("unmanage", "a").exit_code == 0
    (stored,) = (s for s in (env.home / ".dot-backup").rglob(".xrc"))

    result = env.dot("status")

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"waiting .xrc: the backup at {stored} (package a) goes back when the path is free",
        f"nothing installed in {env.real_home}",
    ]
    doc = json.loads(env.dot("status", "--format", "json").stdout)
    assert doc["waiting"] == [{"path": ".xrc", "package": "a", "stored": str(stored)}]
    assert doc["packages"] == [] and doc["healthy"] is True
    xrc.unlink()  # free again: the next run that plans puts the backup back
    assert env.dot("unmanage", "--all").exit_code == 0
    assert xrc.read_text() == "mine\n"
    assert json.loads(env.dot("status", "--format", "json").stdout)["waiting"] == []
