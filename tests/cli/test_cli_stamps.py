"""remanage's directory stamps on the real filesystem, through the CLI.

Real clocks: every change below comes right after the run that wrote the stamps,
within the same clock tick as its last writes where the machine is fast enough,
which is exactly where modification times alone would be fooled.
"""

from __future__ import annotations

import os
import time


def stamps_line(stdout: str) -> str:
    lines = [line for line in stdout.splitlines() if line.startswith("cache directory stamps:")]
    return lines[0] if lines else ""


def test_remanage_after_manage_is_answered_from_the_stamps(env):
    env.vim()
    env.package("zsh", {"dot-zshrc": "z\n", "dot-config/zsh/env": "e\n"})
    assert env.dot("manage", "--no-folding", "vim", "zsh").exit_code == 0
    assert (env.home / ".dot-manifest.json.stamps").is_file()
    before = env.state()

    result = env.dot("-vv", "--no-folding", "remanage", "vim", "zsh")

    assert result.exit_code == 0, result.stderr
    assert "remanage vim zsh: up to date, no changes" in result.stdout
    assert stamps_line(result.stdout).startswith("cache directory stamps: ")
    assert env.state() == before


def test_a_link_changed_at_once_is_still_seen(env):
    env.vim()
    assert env.dot("manage", "--no-folding", "vim").exit_code == 0
    colors = env.home / ".vim" / "colors"
    (colors / "x.vim").unlink()
    (colors / "x.vim").symlink_to("/elsewhere")

    result = env.dot("--no-folding", "remanage", "vim")

    # Trusted stamps are older than the manifest; any later change moves the time.
    assert result.exit_code == 3, result.stdout + result.stderr
    assert ".vim/colors/x.vim" in result.stderr


def test_a_link_removed_at_once_is_repaired(env):
    env.vim()
    assert env.dot("manage", "--no-folding", "vim").exit_code == 0
    (env.home / ".vimrc").unlink()

    result = env.dot("-v", "--no-folding", "remanage", "vim")

    assert result.exit_code == 0, result.stderr
    assert "link    .vimrc -> ../dotfiles/vim/dot-vimrc" in result.stdout


def test_a_file_added_at_once_is_linked(env):
    package = env.vim()
    assert env.dot("manage", "vim").exit_code == 0
    (package / "dot-vim" / "colors" / "y.vim").write_text("new\n")

    result = env.dot("-vv", "remanage", "vim")

    # .vim is a folded link, so the new file is in already: the full check ran
    # (no stamps line) and only the manifest learnt of the file.
    assert result.exit_code == 0, result.stderr
    assert "no changes to the target; the manifest was updated" in result.stdout
    assert stamps_line(result.stdout) == ""
    again = env.dot("-vv", "remanage", "vim")
    assert "up to date" in again.stdout
    assert stamps_line(again.stdout) != ""  # the run that wrote the manifest stamped it
    (package / "dot-gvimrc").write_text("g\n")
    result = env.dot("-v", "remanage", "vim")
    assert result.exit_code == 0, result.stderr
    assert os.readlink(env.home / ".gvimrc") == "../dotfiles/vim/dot-gvimrc"


def test_old_package_directories_are_trusted_by_their_stamps(env):
    package = env.package("nvim", {"dot-config/nvim/lua/a.lua": "", "dot-config/nvim/init": ""})
    old = time.time_ns() - 3_600 * 10**9
    for directory, _subdirs, _files in os.walk(package):
        os.utime(directory, ns=(old, old))
    assert env.dot("manage", "--no-folding", "nvim").exit_code == 0

    line = stamps_line(env.dot("-vv", "--no-folding", "remanage", "nvim").stdout)

    # Listed again: the package root; read link by link: the home directory (the
    # manifest was written there last) has no nvim link, so nothing else.
    assert line.startswith("cache directory stamps: "), line
    hits, misses = (int(word) for word in line.split()[3:6:2])
    assert misses == 1
    assert hits >= 6  # three package directories, three target directories


def test_half_written_state_files_of_a_killed_run_are_removed(env):
    """A run killed in the middle of writing the manifest, its copy or its stamps
    leaves a temporary file; the next run that takes the lock removes it (and
    nothing that only looks alike)."""
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0
    leftovers = [
        "..dot-manifest.json.4242.tmp",
        "..dot-manifest.json.copy.4242.tmp",
        "..dot-manifest.json.stamps.17.tmp",
    ]
    alike = ["..dot-manifest.json.x1.tmp", ".notes.4242.tmp", "..dot-manifest.json.4242.tmp.bak"]
    for name in leftovers + alike:
        (env.home / name).write_text("half")

    assert env.dot("remanage", "vim").exit_code == 0

    names = {p.name for p in env.home.iterdir()}
    assert not names & set(leftovers)
    assert names >= set(alike)
