"""The whole pipeline through the service facade on the in-memory filesystem."""

from __future__ import annotations

import errno
import hashlib
from datetime import UTC, datetime

import pytest

from dot import manifest as manifest_io
from dot.errors import (
    ConflictError,
    ExecutionError,
    InvalidPackageName,
    LockedError,
    ManifestError,
    NotInstalled,
    PackageNotFound,
    PermissionDenied,
    UnsafeLayout,
)
from dot.fs.faulty import FaultyFileSystem
from dot.fs.memory import MemoryFileSystem
from dot.model import Policy
from helpers import DIR, HOME, links, service, snapshot, three_packages


@pytest.fixture
def repo(mem: MemoryFileSystem) -> MemoryFileSystem:
    return three_packages(mem)


def test_manage_creates_the_stow_layout_and_records_it(repo: MemoryFileSystem) -> None:
    result = service(repo).manage(["vim", "nvim", "zsh"])
    assert links(repo) == {
        ".vim": "../dotfiles/vim/dot-vim",
        ".vimrc": "../dotfiles/vim/dot-vimrc",
        ".zshrc": "../dotfiles/zsh/dot-zshrc",
        ".config/nvim": "../../dotfiles/nvim/dot-config/nvim",
    }
    assert result.summary.counts == {"link": 4, "mkdir": 1}
    m = manifest_io.load(repo, f"{HOME}/.dot-manifest.json", DIR, HOME)
    assert set(m.packages) == {"vim", "nvim", "zsh"}
    assert set(m.packages["nvim"].links) == {".config/nvim"}
    assert m.dirs == {".config"}
    assert set(m.packages["vim"].files) == {"dot-vimrc", "dot-vim/colors/x.vim"}
    assert m.packages["vim"].files["dot-vimrc"].sha256 == hashlib.sha256(b"set nu").hexdigest()
    # dated by the first link it made, so a rebuilt manifest gets the same date
    first = repo.lstat(f"{HOME}/.vim").st_mtime_ns // 1_000_000_000
    expected = datetime.fromtimestamp(first, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert m.packages["vim"].installed_at == expected


def test_manage_twice_writes_nothing_the_second_time(repo: MemoryFileSystem) -> None:
    service(repo).manage(["vim", "nvim"])
    before = repo.snapshot(HOME)
    counting = FaultyFileSystem(repo)
    result = service(counting).manage(["vim", "nvim"])
    assert result.operations == ()
    assert counting.writes == 0
    assert repo.snapshot(HOME) == before


def test_unmanage_restores_the_target_exactly(repo: MemoryFileSystem) -> None:
    repo.write(f"{HOME}/.config/other/keep", "mine")
    before = repo.snapshot(HOME)
    service(repo).manage(["vim", "nvim", "zsh"])
    service(repo).unmanage(["vim", "nvim", "zsh"])
    assert repo.snapshot(HOME) == before


def test_unmanage_all_uses_the_manifest(repo: MemoryFileSystem) -> None:
    before = repo.snapshot(HOME)
    service(repo).manage(["vim", "zsh"])
    result = service(repo).unmanage([], everything=True)
    assert result.packages == ("vim", "zsh")
    assert repo.snapshot(HOME) == before


def test_dry_run_writes_nothing_at_all(repo: MemoryFileSystem) -> None:
    before_home, before_dir = repo.snapshot(HOME), repo.snapshot(DIR)
    counting = FaultyFileSystem(repo)
    result = service(counting, dry_run=True).manage(["vim", "nvim"])
    assert len(result.operations) == 4
    assert counting.writes == 0
    assert repo.snapshot(HOME) == before_home
    assert repo.snapshot(DIR) == before_dir
    service(repo).manage(["vim", "nvim"])
    for command in ("unmanage", "remanage"):
        state = repo.snapshot(HOME)
        getattr(service(counting, dry_run=True), command)(["vim"])
        assert counting.writes == 0
        assert repo.snapshot(HOME) == state


def test_dry_run_reads_no_file_contents(repo: MemoryFileSystem) -> None:
    """A dry run plans from names and stats; hashing (for the manifest) is left to a
    real run, so previewing a big repository stays cheap."""
    reads: list[str] = []

    class Reading(FaultyFileSystem):
        def read_bytes(self, path: str) -> bytes:
            reads.append(path)
            return super().read_bytes(path)

    files = {f"{DIR}/{path}" for path, (kind, _, _) in repo.snapshot(DIR).items() if kind == "file"}
    service(Reading(repo), dry_run=True).manage(["vim", "nvim", "zsh"])
    assert files & set(reads) == set()  # ignore files are read; package files are not
    service(Reading(repo)).manage(["vim", "nvim", "zsh"])
    assert f"{DIR}/vim/dot-vimrc" in reads  # the check sees reads when they happen


def test_remanage_unchanged_is_zero_writes_and_no_planning(repo: MemoryFileSystem) -> None:
    service(repo).manage(["vim", "nvim"])
    counting = FaultyFileSystem(repo)
    result = service(counting).remanage(["vim", "nvim"])
    assert result.up_to_date == ("vim", "nvim")
    assert result.operations == ()
    assert counting.writes == 0


def test_remanage_applies_only_the_difference(repo: MemoryFileSystem) -> None:
    service(repo, folding=False).manage(["vim"])
    repo.write(f"{DIR}/vim/dot-gvimrc", "new")
    repo.unlink(f"{DIR}/vim/dot-vim/colors/x.vim")
    repo.write(f"{DIR}/vim/dot-vim/colors/y.vim", "")
    repo.unlink(f"{HOME}/.vimrc")  # a missing link gets repaired
    result = service(repo, folding=False).remanage(["vim"])
    ops = sorted((type(op).__name__, op.path) for op in result.operations)
    assert ops == [
        ("Link", ".gvimrc"),
        ("Link", ".vim/colors/y.vim"),
        ("Link", ".vimrc"),
        ("Unlink", ".vim/colors/x.vim"),
    ]
    m = manifest_io.load(repo, f"{HOME}/.dot-manifest.json", DIR, HOME)
    assert set(m.packages["vim"].links) == {".gvimrc", ".vim/colors/y.vim", ".vimrc"}
    assert "dot-gvimrc" in m.packages["vim"].files


def test_remanage_notices_content_changes_but_touching_is_not_a_change(
    repo: MemoryFileSystem,
) -> None:
    """The full check (no stamps to vouch): fingerprints first, then content."""
    service(repo).manage(["vim"])
    stamps = f"{HOME}/.dot-manifest.json.stamps"
    repo.unlink(stamps)
    data = repo.read_bytes(f"{DIR}/vim/dot-vimrc")
    repo.write(f"{DIR}/vim/dot-vimrc", data)  # new inode and mtime, same content
    counting = FaultyFileSystem(repo)
    assert service(counting).remanage(["vim"]).up_to_date == ("vim",)
    assert counting.writes == 0
    repo.write(f"{DIR}/vim/dot-vimrc", b"changed")
    result = service(counting).remanage(["vim"])
    assert result.up_to_date == ()
    assert result.operations == ()  # links are fine; only the manifest learns
    assert result.manifest_written
    assert repo.exists(stamps)  # the run that wrote the manifest stamped it again


def test_remanage_by_stamps_trusts_listings_not_contents(repo: MemoryFileSystem) -> None:
    """With stamps, a content edit (same names, same kinds) needs no planning: links
    never depend on content. Nothing is written, and the manifest is not read."""
    service(repo).manage(["vim"])
    repo.write(f"{DIR}/vim/dot-vimrc", b"changed")
    counting = FaultyFileSystem(repo)
    dot = service(counting)
    result = dot.remanage(["vim"])
    assert result.up_to_date == ("vim",)
    assert counting.writes == 0
    assert dot._manifest_cache is None  # answered without parsing the manifest
    stats = {c.name: c for c in result.caches}
    assert stats["directory stamps"].hits + stats["directory stamps"].misses > 0


@pytest.mark.parametrize("policy", list(Policy))
def test_conflicts_under_every_policy(repo: MemoryFileSystem, policy: Policy) -> None:
    repo.write(f"{HOME}/.vimrc", "user's own", mode=0o600)
    before = repo.snapshot(HOME)
    dot = service(repo, policy=policy)
    if policy is Policy.FAIL:
        with pytest.raises(ConflictError) as info:
            dot.manage(["vim"])
        assert [c.path for c in info.value.conflicts] == [".vimrc"]
        assert repo.snapshot(HOME) == before
        return
    result = dot.manage(["vim"])
    home = repo.snapshot(HOME)
    if policy is Policy.SKIP:
        assert home[".vimrc"] == ("file", b"user's own", 0o600)
        assert [c.path for c in result.skipped] == [".vimrc"]
    else:
        assert home[".vimrc"][0] == "link"
    if policy is Policy.BACKUP:
        backups = {p: v for p, v in home.items() if p.startswith(".dot-backup/") and v[0] == "file"}
        assert list(backups.values()) == [("file", b"user's own", 0o600)]
    if policy is Policy.ADOPT:
        assert repo.read_bytes(f"{DIR}/vim/dot-vimrc") == b"user's own"
        stashed = [v for p, v in home.items() if "-adopted/" in p and v[0] == "file"]
        assert stashed == [("file", b"set nu", 0o644)]  # the package's old copy is kept
    if policy is Policy.OVERWRITE:
        assert not any(p.startswith(".dot-trash") for p in home)
    # unmanage puts back what was backed up; adopt leaves a real copy
    service(repo).unmanage(["vim"])
    after = snapshot(repo)
    if policy in (Policy.BACKUP, Policy.SKIP):
        assert repo.snapshot(HOME) == before
    elif policy is Policy.ADOPT:
        assert after[".vimrc"] == ("file", b"user's own", 0o600)
    else:
        assert ".vimrc" not in after


def test_overwrite_refuses_a_non_empty_directory(repo: MemoryFileSystem) -> None:
    repo.write(f"{HOME}/.vimrc/inside", "data")
    before = repo.snapshot(HOME)
    with pytest.raises(ConflictError):
        service(repo, policy=Policy.OVERWRITE).manage(["vim"])
    assert repo.snapshot(HOME) == before


def test_backup_of_a_conflict_under_a_folded_directory(repo: MemoryFileSystem) -> None:
    repo.write(f"{HOME}/.vim/colors/x.vim", "mine")
    result = service(repo, policy=Policy.BACKUP).manage(["vim"])
    assert [c.path for c in result.plan.resolved] == [".vim/colors/x.vim"]
    assert links(repo)[".vim/colors/x.vim"] == "../../../dotfiles/vim/dot-vim/colors/x.vim"
    service(repo).unmanage(["vim"])
    assert repo.read_bytes(f"{HOME}/.vim/colors/x.vim") == b"mine"
    assert not repo.exists(f"{HOME}/.dot-backup")


def test_missing_package_changes_nothing(repo: MemoryFileSystem) -> None:
    before = repo.snapshot(HOME)
    with pytest.raises(PackageNotFound, match="nope"):
        service(repo).manage(["vim", "nope"])
    assert repo.snapshot(HOME) == before


def test_unmanage_of_a_package_that_is_not_installed(repo: MemoryFileSystem) -> None:
    with pytest.raises(NotInstalled, match="vim"):
        service(repo).unmanage(["vim"])


def test_bad_package_names_are_usage_errors(repo: MemoryFileSystem) -> None:
    for name in ("..", "a/b", ""):
        with pytest.raises(InvalidPackageName):
            service(repo).manage([name])


def test_corrupt_manifest_is_an_error_naming_it(repo: MemoryFileSystem) -> None:
    repo.write(f"{HOME}/.dot-manifest.json", "{not json")
    before = repo.snapshot(HOME)
    with pytest.raises(ManifestError, match=r"/home/\.dot-manifest\.json"):
        service(repo).manage(["vim"])
    assert repo.snapshot(HOME) == before


def test_target_inside_the_package_directory_is_refused(repo: MemoryFileSystem) -> None:
    repo.makedirs(f"{DIR}/home")
    with pytest.raises(UnsafeLayout):
        service(repo, target=f"{DIR}/home").manage(["vim"])


def test_failure_midway_rolls_everything_back(repo: MemoryFileSystem) -> None:
    before = repo.snapshot(HOME)
    faulty = FaultyFileSystem(repo, fail_at=2, error=errno.ENOSPC)
    with pytest.raises(ExecutionError, match="rolled back"):
        service(faulty).manage(["vim", "nvim", "zsh"])
    assert repo.snapshot(HOME) == before


def test_permission_failure_is_exit_4_and_rolled_back(repo: MemoryFileSystem) -> None:
    before = repo.snapshot(HOME)
    faulty = FaultyFileSystem(repo, fail_at=1, error=errno.EACCES)
    with pytest.raises(PermissionDenied) as info:
        service(faulty).manage(["vim", "zsh"])
    assert info.value.exit_code == 4
    assert repo.snapshot(HOME) == before


def test_unwritable_target_is_permission_denied(repo: MemoryFileSystem) -> None:
    repo.chmod(HOME, 0o555)
    with pytest.raises(PermissionDenied):
        service(repo).manage(["vim"])
    assert repo.snapshot(HOME) == {}


def test_manifest_write_failure_rolls_the_links_back(repo: MemoryFileSystem) -> None:
    before = repo.snapshot(HOME)
    faulty = FaultyFileSystem(repo, fail_at=0, error=errno.EIO, only=("write_atomic",))
    with pytest.raises(Exception, match="could not write the manifest"):
        service(faulty).manage(["vim"])
    assert repo.snapshot(HOME) == before


def test_a_second_run_on_the_same_target_fails_fast(repo: MemoryFileSystem) -> None:
    with repo.lock(HOME, wait=False), pytest.raises(LockedError):
        service(repo).manage(["vim"])
    # dry runs only read, so they never take the lock
    with repo.lock(HOME, wait=False):
        service(repo, dry_run=True).manage(["vim"])


def test_links_gnu_stow_made_are_adopted_into_the_manifest(repo: MemoryFileSystem) -> None:
    repo.symlink("../dotfiles/vim/dot-vimrc", f"{HOME}/.vimrc")
    repo.symlink("../dotfiles/vim/dot-vim", f"{HOME}/.vim")
    result = service(repo).manage(["vim"])
    assert result.operations == ()
    m = manifest_io.load(repo, f"{HOME}/.dot-manifest.json", DIR, HOME)
    assert set(m.packages["vim"].links) == {".vimrc", ".vim"}


def test_stow_made_links_can_be_unmanaged_without_a_manifest(repo: MemoryFileSystem) -> None:
    repo.symlink("../dotfiles/vim/dot-vimrc", f"{HOME}/.vimrc")
    service(repo).unmanage(["vim"])
    assert links(repo) == {}
