"""`adopt`: files and directories move into a package and come back on unmanage."""

from __future__ import annotations

import pytest

from dot import manifest as manifest_io
from dot.adoption import derive_name, to_source
from dot.errors import DotError, UsageError
from dot.fs.faulty import FaultyFileSystem
from dot.fs.memory import MemoryFileSystem
from helpers import DIR, HOME, links, service


@pytest.fixture
def home(mem: MemoryFileSystem) -> MemoryFileSystem:
    mem.write(f"{HOME}/.vimrc", "set nu", mode=0o600)
    mem.write(f"{HOME}/.config/nvim/init.lua", "--")
    mem.write(f"{HOME}/.config/nvim/lua/o.lua", "x", mode=0o640)
    mem.chmod(f"{HOME}/.config/nvim/lua", 0o700)
    mem.symlink("/usr/share/dict/words", f"{HOME}/.words")
    mem.write(f"{HOME}/.config/other/keep", "stays")
    return mem


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (".vimrc", "vimrc"),
        (".config/nvim", "nvim"),
        (".local/share/fonts", "fonts"),
        (".ssh/config", "ssh"),
        ("bin/tool", "bin"),
    ],
)
def test_derived_package_names(path: str, name: str) -> None:
    assert derive_name(path) == name


def test_names_are_stored_with_dot_translation() -> None:
    assert to_source(".config/nvim/.luarc", True) == "dot-config/nvim/dot-luarc"
    assert to_source(".config/nvim", False) == ".config/nvim"
    with pytest.raises(DotError, match="starts with 'dot-'"):
        to_source("dot-weird", True)


def test_adopt_then_unmanage_round_trip(home: MemoryFileSystem) -> None:
    before = home.snapshot(HOME)
    dot = service(home)
    dot.adopt("vim", [f"{HOME}/.vimrc"])
    dot.adopt(None, [f"{HOME}/.config/nvim", f"{HOME}/.words"])
    assert links(home) == {
        ".vimrc": "../dotfiles/vim/dot-vimrc",
        ".config/nvim": "../../dotfiles/nvim/dot-config/nvim",
        ".words": "../dotfiles/nvim/dot-words",
    }
    assert home.snapshot(f"{DIR}/vim") == {"dot-vimrc": ("file", b"set nu", 0o600)}
    assert home.readlink(f"{DIR}/nvim/dot-words") == "/usr/share/dict/words"
    m = manifest_io.load(home, f"{HOME}/.dot-manifest.json", DIR, HOME)
    assert m.packages["vim"].source == "adopted"
    assert m.packages["nvim"].adopted == {".config/nvim": "dot-config/nvim", ".words": "dot-words"}
    dot.unmanage(["vim", "nvim"])
    assert home.snapshot(HOME) == before  # content and modes, directories included
    assert home.read_bytes(f"{DIR}/nvim/dot-config/nvim/init.lua") == b"--"  # copy kept


def test_adopt_into_an_installed_package(home: MemoryFileSystem) -> None:
    home.write(f"{DIR}/vim/dot-gvimrc", "g")
    dot = service(home)
    dot.manage(["vim"])
    dot.adopt("vim", [f"{HOME}/.vimrc"])
    m = manifest_io.load(home, f"{HOME}/.dot-manifest.json", DIR, HOME)
    assert m.packages["vim"].source == "managed"
    assert set(m.packages["vim"].links) == {".gvimrc", ".vimrc"}


def test_dry_run_shows_the_moves_and_changes_nothing(home: MemoryFileSystem) -> None:
    before = home.snapshot("/")
    counting = FaultyFileSystem(home)
    result = service(counting, dry_run=True).adopt(None, [f"{HOME}/.config/nvim"])
    assert [type(op).__name__ for op in result.operations] == ["Mkdir", "Mkdir", "Take", "Link"]
    assert counting.writes == 0
    assert home.snapshot("/") == before


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("/elsewhere/x", DotError, "not inside the target"),
        (f"{HOME}/missing", DotError, "nothing to adopt"),
        (f"{HOME}/.dot-backup/x", DotError, "dot's own state"),
        (f"{DIR}/vim", DotError, "inside the package directory"),
    ],
)
def test_bad_paths_are_refused(
    home: MemoryFileSystem, path: str, error: type, message: str
) -> None:
    home.write("/elsewhere/x", "")
    home.write(f"{HOME}/.dot-backup/x", "")
    before = home.snapshot("/")
    with pytest.raises(error, match=message):
        service(home).adopt("vim", [path])
    assert home.snapshot("/") == before


def test_a_link_dot_already_manages_is_refused(home: MemoryFileSystem) -> None:
    home.write(f"{DIR}/zsh/dot-zshrc", "")
    service(home).manage(["zsh"])
    with pytest.raises(DotError, match="already a link into the package directory"):
        service(home).adopt(None, [f"{HOME}/.zshrc"])


def test_an_existing_package_file_is_not_overwritten(home: MemoryFileSystem) -> None:
    home.write(f"{DIR}/vim/dot-vimrc", "package copy")
    with pytest.raises(DotError, match="--on-conflict adopt"):
        service(home).adopt("vim", [f"{HOME}/.vimrc"])
    assert home.read_bytes(f"{HOME}/.vimrc") == b"set nu"


def test_a_directory_with_ignored_entries_is_refused(home: MemoryFileSystem) -> None:
    home.makedirs(f"{HOME}/.config/nvim/.git")
    with pytest.raises(DotError, match=r"entries dot ignores \(dot-config/nvim/\.git\)"):
        service(home).adopt(None, [f"{HOME}/.config/nvim"])


def test_overlapping_paths_are_a_usage_error(home: MemoryFileSystem) -> None:
    with pytest.raises(UsageError, match="inside"):
        service(home).adopt("x", [f"{HOME}/.config/nvim", f"{HOME}/.config/nvim/init.lua"])
