"""Exact human output (NO_COLOR): operation lines under -v, summary lines, --quiet."""

from __future__ import annotations

import pytest

LINK_VIM = "link    .vim -> ../dotfiles/vim/dot-vim\nlink    .vimrc -> ../dotfiles/vim/dot-vimrc\n"
UNLINK_VIM = (
    "unlink  .vim -> ../dotfiles/vim/dot-vim\nunlink  .vimrc -> ../dotfiles/vim/dot-vimrc\n"
)


def test_manage_verbose_lists_every_operation_then_the_summary(env):
    env.vim()

    result = env.dot("-v", "manage", "vim")

    assert result.exit_code == 0
    assert result.stderr == ""
    env.expect(result.stdout, LINK_VIM + "manage vim: 2 operations (link 2) in {elapsed}\n")


def test_manage_prints_only_the_summary(env):
    env.vim()

    result = env.dot("manage", "vim")

    assert result.exit_code == 0
    env.expect(result.stdout, "manage vim: 2 operations (link 2) in {elapsed}\n")


def test_manage_of_several_packages_with_a_created_directory(env):
    env.vim()
    env.package("ssh", {"dot-ssh/config": "Host *\n"})

    result = env.dot("manage", "vim", "ssh", "-v")

    assert result.exit_code == 0
    env.expect(
        result.stdout,
        "mkdir   .ssh/\n" + LINK_VIM + "link    .ssh/config -> ../../dotfiles/ssh/dot-ssh/config\n"
        "manage vim ssh: 4 operations (link 3, mkdir 1) in {elapsed}\n",
    )


def test_manage_twice_is_nothing_to_do(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0

    result = env.dot("manage", "vim", "-v")

    assert result.exit_code == 0
    env.expect(result.stdout, "manage vim: nothing to do, no changes ({elapsed})\n")


def test_remanage_unchanged_is_up_to_date(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0
    before = env.state()

    result = env.dot("remanage", "vim", "-v")

    assert result.exit_code == 0
    assert result.stderr == ""
    env.expect(result.stdout, "remanage vim: up to date, no changes ({elapsed})\n")
    assert env.state() == before


def test_remanage_links_a_new_file(env):
    package = env.vim()
    assert env.dot("manage", "vim").exit_code == 0
    (package / "dot-gvimrc").write_text("g\n")

    result = env.dot("remanage", "vim", "-v")

    assert result.exit_code == 0
    env.expect(
        result.stdout,
        "link    .gvimrc -> ../dotfiles/vim/dot-gvimrc\n"
        "remanage vim: 1 operation (link 1) in {elapsed}\n",
    )


def test_unmanage_verbose(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0

    result = env.dot("unmanage", "vim", "-v")

    assert result.exit_code == 0
    env.expect(result.stdout, UNLINK_VIM + "unmanage vim: 2 operations (unlink 2) in {elapsed}\n")
    assert list(env.home.iterdir()) == []


def test_unmanage_all_names_the_packages_in_order(env):
    env.vim()
    env.package("zsh", {"dot-zshrc": "z\n"})
    env.package("git", {"dot-gitconfig": "g\n"})
    assert env.dot("manage", "zsh", "vim", "git").exit_code == 0

    result = env.dot("unmanage", "--all")

    assert result.exit_code == 0
    env.expect(result.stdout, "unmanage git vim zsh: 4 operations (unlink 4) in {elapsed}\n")
    assert list(env.home.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["manage", "vim"],
        ["remanage", "vim"],
        ["unmanage", "vim"],
    ],
    ids=" ".join,
)
def test_quiet_prints_nothing_on_success(env, args):
    env.vim()
    if args[-2] != "manage":
        assert env.dot("manage", "vim").exit_code == 0

    result = env.dot("--quiet", *args)

    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_quiet_still_prints_errors(env):
    result = env.dot("-q", "manage", "nope")

    assert result.exit_code == 5
    assert result.stdout == ""
    assert result.stderr == f"dot: error: package not found in {env.real_dir}: nope\n"


def test_color_always_styles_the_verbs(env):
    env.vim()

    result = env.dot("-v", "manage", "vim", "--color", "always")

    assert result.exit_code == 0
    env.expect(
        result.stdout,
        "\x1b[32mlink   \x1b[0m .vim -> ../dotfiles/vim/dot-vim\n"
        "\x1b[32mlink   \x1b[0m .vimrc -> ../dotfiles/vim/dot-vimrc\n"
        "manage vim: 2 operations (link 2) in {elapsed}\n",
    )


def test_color_always_styles_the_error_prefix(env):
    result = env.dot("manage", "nope", "--color", "always")

    assert result.exit_code == 5
    assert result.stderr == (
        f"\x1b[31;1mdot: error:\x1b[0m package not found in {env.real_dir}: nope\n"
    )


def test_no_color_without_a_terminal_even_without_no_color(env, monkeypatch):
    monkeypatch.delenv("NO_COLOR")
    env.vim()

    result = env.dot("-v", "manage", "vim")

    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    assert result.stdout.startswith(LINK_VIM)


def test_remanage_says_the_manifest_was_updated_even_when_others_are_up_to_date(env):
    package = env.vim()
    env.package("zsh", {"dot-zshrc": "z\n"})
    assert env.dot("manage", "vim", "zsh").exit_code == 0
    (package / "dot-vim" / "colors" / "y.vim").write_text("new\n")  # inside the folded .vim

    result = env.dot("remanage", "vim", "zsh")

    assert result.exit_code == 0, result.stderr
    env.expect(
        result.stdout,
        "remanage vim zsh: no changes to the target; the manifest was updated ({elapsed})\n",
    )
    env.expect(
        env.dot("remanage", "vim", "zsh").stdout,
        "remanage vim zsh: up to date, no changes ({elapsed})\n",
    )
