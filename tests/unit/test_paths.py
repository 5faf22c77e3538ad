"""Name translation, Stow-identical link text, and link ownership."""

from __future__ import annotations

import pytest

from dot.paths import Layout, Owner, is_within, translate, translate_name, validate_package_name


@pytest.mark.parametrize(
    ("name", "dotfiles", "expected"),
    [
        ("dot-vimrc", True, ".vimrc"),
        ("dot-", True, "dot-"),  # exactly "dot-" is not translated
        ("dotfile", True, "dotfile"),
        ("dot-vimrc", False, "dot-vimrc"),
        ("x-dot-y", True, "x-dot-y"),
    ],
)
def test_translate_name(name: str, dotfiles: bool, expected: str) -> None:
    assert translate_name(name, dotfiles) == expected


def test_translate_applies_to_every_component_at_any_depth() -> None:
    assert translate("dot-config/nvim/dot-init", True) == ".config/nvim/.init"
    assert translate("dot-config/dot-/x", True) == ".config/dot-/x"
    assert translate("dot-config/nvim", False) == "dot-config/nvim"


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "bad\nname", "x\x00"])
def test_invalid_package_names_are_explained(name: str) -> None:
    assert validate_package_name(name)


@pytest.mark.parametrize("name", ["vim", "dot-vim", ".hidden", "zsh-2", "ünïcode"])
def test_plain_package_names_are_valid(name: str) -> None:
    assert validate_package_name(name) is None


# GNU Stow: "../" per level below the target, then the package dir relative to it.
@pytest.mark.parametrize(
    ("directory", "target", "path", "expected"),
    [
        ("/h/dotfiles", "/h", ".vimrc", "dotfiles/vim/dot-vimrc"),
        ("/h/dotfiles", "/h", ".config/nvim", "../dotfiles/vim/dot-vimrc"),
        ("/x/dotfiles", "/x/home", ".vimrc", "../dotfiles/vim/dot-vimrc"),
        ("/x/dotfiles", "/x/home", "a/b/c", "../../../dotfiles/vim/dot-vimrc"),
        # Stow does not shorten "../a/..." against the link's own directory.
        ("/h/a/dotfiles", "/h", "a/x", "../a/dotfiles/vim/dot-vimrc"),
    ],
)
def test_link_text_is_stows(directory: str, target: str, path: str, expected: str) -> None:
    layout = Layout(directory, target)
    assert layout.link_text(path, "vim", "dot-vimrc", absolute=False) == expected


def test_absolute_link_text() -> None:
    layout = Layout("/x/dotfiles", "/x/home")
    assert layout.link_text("a/b", "vim", "dot-vimrc", absolute=True) == (
        "/x/dotfiles/vim/dot-vimrc"
    )
    assert layout.link_text(".vim", "dot-vim", "", absolute=False) == "../dotfiles/dot-vim"


def test_owner_resolves_relative_and_absolute_links() -> None:
    layout = Layout("/x/dotfiles", "/x/home", alias="/y/dotfiles")
    assert layout.owner(".vimrc", "../dotfiles/vim/dot-vimrc") == Owner("vim", "dot-vimrc")
    assert layout.owner("a/b", "../../dotfiles/vim/x/y") == Owner("vim", "x/y")
    assert layout.owner(".vimrc", "/x/dotfiles/vim/dot-vimrc") == Owner("vim", "dot-vimrc")
    assert layout.owner(".vimrc", "/y/dotfiles/zsh") == Owner("zsh", "")
    assert layout.owner(".vimrc", "../dotfiles") == Owner("", "")
    # Lexical normalisation, as Stow's find_stowed_path does.
    assert layout.owner(".vimrc", "../other/../dotfiles/vim/x") == Owner("vim", "x")
    assert layout.owner(".vimrc", "../dotfiles-old/vim/x") is None
    assert layout.owner(".vimrc", "/etc/passwd") is None


def test_inside_and_containing_the_package_directory() -> None:
    layout = Layout("/h/dotfiles", "/h")
    assert layout.inside_dir("dotfiles")
    assert layout.inside_dir("dotfiles/vim")
    assert not layout.inside_dir("dotfiles2")
    nested = Layout("/h/src/dotfiles", "/h")
    assert nested.contains_dir("src")
    assert not nested.contains_dir("srcx")


def test_is_within() -> None:
    assert is_within("a/b", "a")
    assert is_within("a", "a")
    assert not is_within("ab", "a")
    assert is_within("anything", "")
