"""status, list and doctor on the in-memory filesystem."""

from __future__ import annotations

import pytest

from dot.doctor import Problem
from dot.errors import NotInstalled
from dot.fs.faulty import FaultyFileSystem
from dot.fs.memory import MemoryFileSystem
from dot.inspect import Health
from helpers import DIR, HOME, add_package, service


@pytest.fixture
def installed(mem: MemoryFileSystem) -> MemoryFileSystem:
    add_package(mem, "vim", {"dot-vimrc": "", "dot-vim/colors/x": ""})
    add_package(mem, "zsh", {"dot-zshrc": "", "dot-zprofile": ""})
    add_package(mem, "git", {"dot-gitconfig": ""})
    service(mem).manage(["vim", "zsh", "git"])
    return mem


def health(mem: MemoryFileSystem, package: str) -> dict[str, Health]:
    result = service(mem).status([package])
    return {link.path: link.health for link in result.packages[0].links}


def test_status_reports_each_kind_of_health(installed: MemoryFileSystem) -> None:
    installed.unlink(f"{HOME}/.zshrc")
    installed.unlink(f"{HOME}/.zprofile")
    installed.write(f"{HOME}/.zprofile", "user")
    installed.unlink(f"{HOME}/.gitconfig")
    installed.symlink("/etc/gitconfig", f"{HOME}/.gitconfig")
    installed.unlink(f"{DIR}/vim/dot-vimrc")
    assert health(installed, "zsh") == {".zshrc": Health.MISSING, ".zprofile": Health.REPLACED}
    assert health(installed, "git") == {".gitconfig": Health.WRONG}
    assert health(installed, "vim") == {".vim": Health.OK, ".vimrc": Health.BROKEN}
    everything = service(installed).status([])
    assert [p.name for p in everything.packages] == ["git", "vim", "zsh"]
    assert not everything.healthy


def test_status_of_a_package_that_is_not_installed(installed: MemoryFileSystem) -> None:
    with pytest.raises(NotInstalled, match="nope"):
        service(installed).status(["nope"])


def test_list_sorts(installed: MemoryFileSystem) -> None:
    dot = service(installed)
    assert [p.name for p in dot.inventory("name").packages] == ["git", "vim", "zsh"]
    assert [p.name for p in dot.inventory("links").packages] == ["vim", "zsh", "git"]
    assert [p.links for p in dot.inventory("links").packages] == [2, 2, 1]
    assert len(dot.inventory("date").packages) == 3


def test_doctor_on_a_healthy_target_is_read_only(installed: MemoryFileSystem) -> None:
    counting = FaultyFileSystem(installed)
    result = service(counting).doctor(fix=True)
    assert result.healthy and not result.findings
    assert counting.writes == 0


def test_doctor_finds_and_fixes_what_is_safe(installed: MemoryFileSystem) -> None:
    installed.unlink(f"{HOME}/.zshrc")  # missing -> relinked
    installed.unlink(f"{HOME}/.zprofile")
    installed.write(f"{HOME}/.zprofile", "user")  # replaced -> left alone
    installed.symlink("../dotfiles/gone/x", f"{HOME}/.dangling")  # dangling -> removed
    installed.symlink("/etc/hosts", f"{HOME}/.foreign")  # not ours -> ignored
    add_package(installed, "tmux", {"dot-tmux.conf": ""})
    installed.symlink("../dotfiles/tmux/dot-tmux.conf", f"{HOME}/.tmux.conf")  # unrecorded
    report = service(installed).doctor()
    found = {(f.problem, f.path) for f in report.findings}
    assert found == {
        (Problem.MISSING_LINK, ".zshrc"),
        (Problem.REPLACED, ".zprofile"),
        (Problem.DANGLING, ".dangling"),
        (Problem.UNRECORDED, ".tmux.conf"),
    }
    assert not report.healthy
    fixed = service(installed).doctor(fix=True)
    assert {f.path for f in fixed.remaining} == {".zprofile"}
    assert installed.readlink(f"{HOME}/.zshrc") == "../dotfiles/zsh/dot-zshrc"
    assert not installed.exists(f"{HOME}/.dangling")
    assert installed.read_bytes(f"{HOME}/.zprofile") == b"user"
    assert installed.readlink(f"{HOME}/.foreign") == "/etc/hosts"
    assert "tmux" in {p.name for p in service(installed).inventory().packages}


def test_doctor_fix_rebuilds_a_deleted_manifest_so_status_matches(
    installed: MemoryFileSystem,
) -> None:
    before = service(installed).status([])
    installed.unlink(f"{HOME}/.dot-manifest.json")
    result = service(installed).doctor(fix=True)
    assert result.healthy
    assert service(installed).status([]) == before


def test_doctor_fix_rebuilds_a_corrupt_manifest_and_keeps_it(installed: MemoryFileSystem) -> None:
    before = service(installed).status([])
    installed.write(f"{HOME}/.dot-manifest.json", "{broken")
    report = service(installed).doctor()
    assert Problem.MANIFEST_CORRUPT in {f.problem for f in report.findings}
    service(installed).doctor(fix=True)
    assert service(installed).status([]) == before
    kept = [p for p in installed.snapshot(HOME) if p.startswith(".dot-manifest.json.corrupt-")]
    assert len(kept) == 1


def test_doctor_fix_unmanages_a_package_whose_directory_is_gone(
    installed: MemoryFileSystem,
) -> None:
    for path in ("dot-gitconfig",):
        installed.unlink(f"{DIR}/git/{path}")
    installed.rmdir(f"{DIR}/git")
    report = service(installed).doctor(fix=True)
    assert (Problem.PACKAGE_GONE, "git") in {(f.problem, f.package) for f in report.findings}
    assert not installed.exists(f"{HOME}/.gitconfig")
    assert "git" not in {p.name for p in service(installed).inventory().packages}


def test_doctor_dry_run_fix_changes_nothing(installed: MemoryFileSystem) -> None:
    installed.unlink(f"{HOME}/.zshrc")
    before = installed.snapshot(HOME)
    result = service(installed, dry_run=True).doctor(fix=True)
    assert result.run is not None and len(result.run.operations) == 1
    assert installed.snapshot(HOME) == before
