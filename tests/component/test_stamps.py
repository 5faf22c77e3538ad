"""remanage's quick check by directory stamps (dot.stamps), on the in-memory FS.

Every change that could matter to the links must send remanage to the full check,
which then does exactly what it does without stamps; changes that cannot matter
(content edits, unrelated files next to the links) are answered from the stamps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dot import manifest as manifest_io
from dot import stamps as stamps_io
from dot.errors import ConflictError, DotError, LockedError
from dot.fs.faulty import FaultyFileSystem
from dot.fs.memory import MemoryFileSystem
from dot.model import Policy
from dot.paths import Layout
from dot.pipeline.journal import JOURNAL_NAME
from dot.results import RunResult
from dot.values import replace
from helpers import DIR, HOME, links, memory_world, service, snapshot, three_packages

MANIFEST = f"{HOME}/.dot-manifest.json"
STAMPS = f"{MANIFEST}.stamps"
NAMES = ["vim", "nvim", "zsh"]


@pytest.fixture
def repo(mem: MemoryFileSystem) -> MemoryFileSystem:
    return three_packages(mem)


def by_stamps(result: RunResult) -> bool:
    """Whether the stamps vouched for at least one package."""
    return any(cache.name == "directory stamps" for cache in result.caches)


def stamp_counts(result: RunResult) -> tuple[int, int]:
    (cache,) = [c for c in result.caches if c.name == "directory stamps"]
    return cache.hits, cache.misses


def outcome(fs: MemoryFileSystem, **config: Any) -> tuple[Any, ...]:
    """What remanage of every package does: its operations and the target after."""
    try:
        result = service(fs, **config).remanage(NAMES)
    except DotError as exc:
        return ("error", type(exc).__name__, str(exc), snapshot(fs))
    ops = sorted((type(op).__name__, op.path) for op in result.operations)
    return ("done", ops, result.up_to_date, snapshot(fs))


def twin(build: Callable[[MemoryFileSystem], None], **config: Any) -> MemoryFileSystem:
    """The fixture world, managed with `config`, then changed by `build`."""
    fs = three_packages(memory_world())
    fs.advance(60)  # the packages were written a minute before they were managed
    service(fs, **config).manage(NAMES)
    build(fs)
    return fs


# --- the quick answer ------------------------------------------------------------------


@pytest.mark.parametrize("folding", [True, False], ids=["folding", "no-folding"])
def test_an_unchanged_target_is_answered_from_the_stamps_alone(
    repo: MemoryFileSystem, folding: bool
) -> None:
    service(repo, folding=folding).manage(NAMES)
    assert repo.exists(STAMPS)
    counting = FaultyFileSystem(repo)
    dot = service(counting, folding=folding)
    result = dot.remanage(NAMES)
    assert result.up_to_date == tuple(NAMES)
    assert result.operations == ()
    assert not result.manifest_written
    assert by_stamps(result)
    assert counting.writes == 0
    assert dot._manifest_cache is None  # the manifest was not even parsed
    assert not [path for verb, path in counting.calls if path == MANIFEST and verb != "lstat"]


def test_trusted_stamps_spare_reading_links_and_listings() -> None:
    fs = twin(lambda fs: fs.advance(60))
    hits, misses = stamp_counts(service(fs).remanage(NAMES))
    # Each package root is listed again (it may be a symlink to a directory), and
    # the home directory, where the manifest and the stamps were written after the
    # links, is read link by link for vim and zsh (nvim's link is in .config).
    # Every other directory is trusted by its stamp.
    assert misses == 3 + 2
    stamps = stamps_io.load(fs, STAMPS)
    assert stamps is not None
    dirs = sum(len(p.sources) + len(p.dirs) for p in stamps.packages.values())
    assert hits == dirs - misses > 0


def test_a_dry_run_uses_the_stamps_too_and_takes_no_lock(repo: MemoryFileSystem) -> None:
    service(repo).manage(NAMES)
    with repo.lock(HOME, wait=False):
        result = service(repo, dry_run=True).remanage(NAMES)
    assert by_stamps(result)
    assert result.up_to_date == tuple(NAMES)


def test_the_quick_path_waits_for_the_lock_like_any_run(repo: MemoryFileSystem) -> None:
    service(repo).manage(NAMES)
    with repo.lock(HOME, wait=False), pytest.raises(LockedError):
        service(repo).remanage(NAMES)


def test_a_package_without_stamps_is_checked_in_full(repo: MemoryFileSystem) -> None:
    service(repo).manage(["vim"])
    service(repo).manage(["zsh"])  # stamps zsh, keeps vim's from the previous run
    stamps = stamps_io.load(repo, STAMPS)
    assert stamps is not None and set(stamps.packages) == {"vim", "zsh"}
    assert by_stamps(service(repo).remanage(["vim", "zsh"]))
    packages = {"vim": stamps.packages["vim"]}
    repo.write(STAMPS, stamps_io.dumps(stamps._replace(packages=packages)))
    assert by_stamps(service(repo).remanage(["vim"]))
    result = service(repo).remanage(["vim", "zsh"])
    assert result.up_to_date == ("vim", "zsh")
    # vim by its stamps (every directory counted), zsh by the full check.
    vim = stamps.packages["vim"]
    assert sum(stamp_counts(result)) == len(vim.sources) + len(vim.dirs)


def test_content_edits_need_no_planning(repo: MemoryFileSystem) -> None:
    service(repo).manage(NAMES)
    repo.write(f"{DIR}/vim/dot-vimrc", "set nonu")  # same names, same kinds
    result = service(repo).remanage(NAMES)
    assert by_stamps(result)
    assert result.up_to_date == tuple(NAMES)


def test_a_file_next_to_the_links_costs_a_read_but_is_no_change(repo: MemoryFileSystem) -> None:
    service(repo, folding=False).manage(NAMES)
    repo.write(f"{HOME}/.vim/colors/mine.vim", "user's own")
    result = service(repo, folding=False).remanage(NAMES)
    assert by_stamps(result)
    assert result.up_to_date == tuple(NAMES)


# --- everything that matters sends remanage to the full check ---------------------------


def _unlink(path: str) -> Callable[[MemoryFileSystem], None]:
    return lambda fs: fs.unlink(f"{HOME}/{path}")


def _retarget(fs: MemoryFileSystem) -> None:
    fs.unlink(f"{HOME}/.vimrc")
    fs.symlink("../dotfiles/zsh/dot-zshrc", f"{HOME}/.vimrc")


def _own_file(fs: MemoryFileSystem) -> None:
    fs.unlink(f"{HOME}/.zshrc")
    fs.write(f"{HOME}/.zshrc", "mine")


def _remove_tree(path: str) -> Callable[[MemoryFileSystem], None]:
    def remove(fs: MemoryFileSystem, at: str) -> None:
        if fs.lstat(at).st_mode & 0o170000 == 0o040000:
            for entry in list(fs.scandir(at)):
                remove(fs, entry.path)
            fs.rmdir(at)
        else:
            fs.unlink(at)

    return lambda fs: remove(fs, path)


def _add(rel: str) -> Callable[[MemoryFileSystem], None]:
    return lambda fs: fs.write(f"{DIR}/{rel}", "new")


def _file_to_dir(fs: MemoryFileSystem) -> None:
    fs.unlink(f"{DIR}/vim/dot-vim/colors/x.vim")
    fs.write(f"{DIR}/vim/dot-vim/colors/x.vim/inner", "now a directory")


def _rename(fs: MemoryFileSystem) -> None:
    fs.rename(f"{DIR}/nvim/dot-config/nvim/lua/o.lua", f"{DIR}/nvim/dot-config/nvim/lua/p.lua")


def _ignore_file(fs: MemoryFileSystem) -> None:
    fs.write(f"{DIR}/zsh/.dotignore", "README.md\n")


def _edit_ignore_file(fs: MemoryFileSystem) -> None:
    fs.write(f"{DIR}/zsh/.dotignore", "nothing\n")


CHANGES: dict[str, Callable[[MemoryFileSystem], None]] = {
    "a link removed": _unlink(".vimrc"),
    "a link in a subdirectory removed": _unlink(".config/nvim/init.lua"),
    "a link pointing elsewhere": _retarget,
    "a link replaced by the user's file": _own_file,
    "a directory dot made removed": _remove_tree(f"{HOME}/.config"),
    "a file added to a package": _add("vim/dot-vim/colors/y.vim"),
    "a file added at a package's top": _add("zsh/dot-zprofile"),
    "an ignored file added": _add("vim/dot-vim/colors/y.vim~"),
    "a file removed from a package": lambda fs: fs.unlink(f"{DIR}/vim/dot-vimrc"),
    "a file renamed": _rename,
    "a file turned into a directory": _file_to_dir,
    "a package directory removed": _remove_tree(f"{DIR}/nvim/dot-config/nvim/lua"),
    "an ignore file added": _ignore_file,
}


@pytest.mark.parametrize("folding", [True, False], ids=["folding", "no-folding"])
@pytest.mark.parametrize("name", CHANGES)
def test_a_change_is_planned_exactly_as_without_stamps(name: str, folding: bool) -> None:
    change = CHANGES[name]
    with_stamps = twin(change, folding=folding)
    without = twin(change, folding=folding)
    without.unlink(STAMPS)
    assert with_stamps.snapshot(HOME).keys() - without.snapshot(HOME).keys() == {
        ".dot-manifest.json.stamps"
    }
    assert outcome(with_stamps, folding=folding) == outcome(without, folding=folding)


def test_a_changed_ignore_file_is_a_change_even_in_place() -> None:
    fs = twin(_ignore_file)
    service(fs).remanage(NAMES)  # the full check; stamps again with the new rules
    assert by_stamps(service(fs).remanage(NAMES))
    _edit_ignore_file(fs)
    result = service(fs).remanage(["zsh"])
    assert not by_stamps(result)


@pytest.mark.parametrize(
    "config",
    [
        {"folding": False},
        {"dotfiles": False},
        {"absolute": True},
        {"package_name_mapping": True},
        {"ignore": ("*.lua",)},
        {"no_fold": frozenset({".vim"})},
    ],
    ids=str,
)
def test_other_settings_mean_the_full_check(repo: MemoryFileSystem, config: dict[str, Any]) -> None:
    service(repo).manage(NAMES)
    assert by_stamps(service(repo).remanage(NAMES))
    result = service(repo, dry_run=True, **config).remanage(NAMES)
    if "no_fold" in config:  # only vim has a folded link there: it alone is planned
        assert by_stamps(result)
        assert {op.path for op in result.operations} >= {".vim"}
    else:
        assert not by_stamps(result)


def test_stamps_of_another_manifest_are_ignored(repo: MemoryFileSystem) -> None:
    service(repo).manage(NAMES)
    manifest = manifest_io.load(repo, MANIFEST, DIR, HOME)
    repo.unlink(f"{HOME}/.vimrc")
    manifest_io.save(repo, MANIFEST, manifest)  # the same records, a new file
    result = service(repo).remanage(NAMES)
    assert not by_stamps(result)
    assert [op.path for op in result.operations] == [".vimrc"]


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"[]", b'{"version": 2}', b'{"version": 1, "packages": 3}', b"\xff\xfe"],
    ids=["empty", "truncated", "a list", "another version", "wrong types", "not utf-8"],
)
def test_damaged_stamps_only_mean_the_full_check(repo: MemoryFileSystem, data: bytes) -> None:
    service(repo).manage(NAMES)
    repo.unlink(f"{HOME}/.vimrc")
    repo.write(STAMPS, data)
    result = service(repo).remanage(NAMES)
    assert not by_stamps(result)
    assert [op.path for op in result.operations] == [".vimrc"]
    assert stamps_io.load(repo, STAMPS) is not None  # the repair wrote good ones


def test_a_lost_backup_is_noticed_as_without_stamps(repo: MemoryFileSystem) -> None:
    repo.write(f"{HOME}/.vimrc", "user's own")
    service(repo, policy=Policy.BACKUP).manage(["vim"])
    manifest = manifest_io.load(repo, MANIFEST, DIR, HOME)
    (backup,) = manifest.packages["vim"].backups
    assert by_stamps(service(repo).remanage(["vim"]))
    repo.unlink(backup.stored)
    dot = service(repo)
    dot.remanage(["vim"])
    assert any("is gone" in notice for notice in dot.notices)


def test_an_interrupted_run_comes_first(repo: MemoryFileSystem) -> None:
    """A journal left behind is dealt with before any answer (here: a damaged one,
    which is an error), by a real run and by a dry run alike."""
    service(repo).manage(NAMES)
    repo.write(f"{HOME}/{JOURNAL_NAME}", b'{"journal": 1, "run": 5}\n')
    for dry_run in (False, True):
        with pytest.raises(DotError, match="journal"):
            service(repo, dry_run=dry_run).remanage(NAMES)


def test_a_skipped_conflict_is_never_stamped(repo: MemoryFileSystem) -> None:
    repo.write(f"{HOME}/.zshrc", "user's own")
    service(repo, policy=Policy.SKIP).manage(NAMES)
    stamps = stamps_io.load(repo, STAMPS)
    assert stamps is not None and "zsh" not in stamps.packages
    repo.unlink(f"{HOME}/.zshrc")  # the conflict is gone: remanage links the file now
    result = service(repo).remanage(NAMES)
    assert [op.path for op in result.operations] == [".zshrc"]


def test_a_conflict_found_by_the_full_check_is_the_usual_error(repo: MemoryFileSystem) -> None:
    service(repo).manage(NAMES)
    _own_file(repo)
    with pytest.raises(ConflictError):
        service(repo).remanage(NAMES)


def test_unmanage_keeps_the_stamps_of_the_packages_left(repo: MemoryFileSystem) -> None:
    service(repo).manage(NAMES)
    service(repo).unmanage(["zsh"])
    stamps = stamps_io.load(repo, STAMPS)
    assert stamps is not None and set(stamps.packages) == {"vim", "nvim"}
    assert by_stamps(service(repo).remanage(["vim", "nvim"]))
    service(repo).unmanage(["vim", "nvim"])
    assert not repo.exists(STAMPS)  # gone with the manifest


# --- the checks themselves -------------------------------------------------------------


LAYOUT = Layout(DIR, HOME)


def _record(fs: MemoryFileSystem, name: str) -> manifest_io.PackageRecord:
    return manifest_io.load(fs, MANIFEST, DIR, HOME).packages[name]


def test_a_directory_changed_after_the_manifest_is_not_trusted(repo: MemoryFileSystem) -> None:
    service(repo, folding=False).manage(["vim"])
    record = _record(repo, "vim")
    before = repo.lstat(MANIFEST).st_mtime_ns
    dirs = stamps_io.stamp_dirs(repo, LAYOUT, record, before, 0)
    assert dirs is not None
    assert dirs[".vim/colors"].trusted
    assert not dirs[""].trusted  # the manifest itself was written there afterwards
    # A directory changed in the same clock tick as the stamp: its time proves nothing.
    assert not stamps_io.stamp_dirs(repo, LAYOUT, record, 0, 0)[".vim/colors"].trusted  # type: ignore[index]
    # On another filesystem, times are from another clock.
    assert not stamps_io.stamp_dirs(repo, LAYOUT, record, before, 7)[".vim/colors"].trusted  # type: ignore[index]


def test_untrusted_stamps_are_read_link_by_link(repo: MemoryFileSystem) -> None:
    service(repo, folding=False).manage(["vim"])
    record = _record(repo, "vim")
    dirs = stamps_io.stamp_dirs(repo, LAYOUT, record, 0, 0)
    assert dirs is not None
    # Rewrite a link and put the directory's time back: only reading finds it.
    colors = f"{HOME}/.vim/colors"
    stamp = dirs[".vim/colors"]
    repo.unlink(f"{colors}/x.vim")
    repo.symlink("elsewhere", f"{colors}/x.vim")
    repo._walk(colors, False)[0].mtime_ns = stamp.mtime_ns
    assert stamps_io.dirs_match(repo, LAYOUT, dirs)[0] is False
    trusted = {d: s._replace(trusted=True) for d, s in dirs.items()}
    assert stamps_io.dirs_match(repo, LAYOUT, trusted)[0]  # what trust means


def test_stamping_refuses_a_link_that_is_not_as_recorded(repo: MemoryFileSystem) -> None:
    service(repo, folding=False).manage(["vim"])
    record = _record(repo, "vim")
    repo.unlink(f"{HOME}/.vimrc")
    repo.symlink("elsewhere", f"{HOME}/.vimrc")
    assert stamps_io.stamp_dirs(repo, LAYOUT, record, 0, 0) is None


def test_package_listings_are_compared_unless_trusted(repo: MemoryFileSystem) -> None:
    dot = service(repo)
    tree = dot._index(LAYOUT).tree("vim")
    assert tree is not None
    late = stamps_io.source_stamps(tree, 0, 0)
    assert not any(s.trusted for s in late.values())
    assert set(late) == {"", "dot-vim", "dot-vim/colors"}
    root = f"{DIR}/vim"
    assert stamps_io.sources_match(repo, root, late) == (True, 3)
    early = stamps_io.source_stamps(tree, 2**62, 0)
    assert [rel for rel, s in early.items() if not s.trusted] == [""]  # the root is listed
    assert stamps_io.sources_match(repo, root, early) == (True, 1)
    repo.write(f"{root}/dot-vim/colors/new.vim", "")
    assert stamps_io.sources_match(repo, root, late)[0] is False
    assert stamps_io.sources_match(repo, root, early)[0] is False  # the time moved


def test_listing_digests_see_names_and_kinds_not_order() -> None:
    from dot.model import Kind

    a = stamps_io.listing_digest([("a", Kind.FILE), ("b", Kind.DIR)])
    assert a == stamps_io.listing_digest([("b", Kind.DIR), ("a", Kind.FILE)])
    assert a != stamps_io.listing_digest([("a", Kind.DIR), ("b", Kind.DIR)])
    assert a != stamps_io.listing_digest([("a", Kind.FILE), ("c", Kind.DIR)])
    assert a != stamps_io.listing_digest([("a", Kind.FILE)])


def test_only_a_record_that_planning_would_keep_is_covered(repo: MemoryFileSystem) -> None:
    service(repo).manage(["vim"])
    record = _record(repo, "vim")
    tree = service(repo)._index(LAYOUT).tree("vim")
    assert tree is not None
    assert stamps_io.covered(record, tree, True, frozenset())
    # A folded link where folding is off, or on the no-fold list.
    assert not stamps_io.covered(record, tree, False, frozenset())
    assert not stamps_io.covered(record, tree, True, frozenset({".vim"}))
    # A file link whose source is not among the package's files.
    files = {k: v for k, v in record.files.items() if k != "dot-vimrc"}
    assert not stamps_io.covered(replace(record, files=files), tree, True, frozenset())
    # A file of the package that no link covers (skipped, say).
    links = {k: v for k, v in record.links.items() if k != ".vimrc"}
    assert not stamps_io.covered(replace(record, links=links), tree, True, frozenset())


def test_with_one_package_changed_the_others_are_vouched_for(repo: MemoryFileSystem) -> None:
    repo.advance(60)
    service(repo, folding=False).manage(NAMES)
    before = stamps_io.load(repo, STAMPS)
    assert before is not None
    repo.write(f"{DIR}/zsh/dot-zprofile", "new")
    counting = FaultyFileSystem(repo)
    result = service(counting, folding=False).remanage(NAMES)
    assert [op.path for op in result.operations] == [".zprofile"]
    assert result.up_to_date == ("vim", "nvim")
    assert by_stamps(result)  # vim and nvim: from their stamps
    # Neither was scanned: no package directory of theirs was listed but the roots.
    listed = {path for verb, path in counting.calls if verb == "scandir"}
    assert f"{DIR}/vim/dot-vim" not in listed and f"{DIR}/nvim/dot-config" not in listed
    after = stamps_io.load(repo, STAMPS)
    assert after is not None
    assert after.packages["vim"] == before.packages["vim"]  # carried over as they were
    assert after.packages["zsh"] != before.packages["zsh"]  # stamped again, scanned
    assert by_stamps(service(repo, folding=False).remanage(NAMES))


# --- links known from the stamps while planning ------------------------------------------


class _ReadlinkCount(FaultyFileSystem):
    """Counts readlink calls by path."""

    def __init__(self, inner: MemoryFileSystem) -> None:
        super().__init__(inner)
        self.reads: list[str] = []

    def readlink(self, path: str) -> str:
        self.reads.append(path)
        return super().readlink(path)


@pytest.mark.parametrize("verb", ["unmanage", "remanage"])
def test_planning_takes_links_from_trusted_stamps(verb: str) -> None:
    """Links in directories whose stamps vouch are not read to plan (the executor
    still reads each link it removes), and the outcome is that of a run without them."""

    def change(fs: MemoryFileSystem) -> None:
        fs.advance(60)  # the target directories are older than the manifest now
        fs.write(f"{DIR}/nvim/dot-config/nvim/new.lua", "")  # remanage: plan nvim in full

    outcomes, reads, views = [], [], []
    for stamps in (True, False):
        fs = twin(change, folding=False)
        if not stamps:
            fs.unlink(STAMPS)
        counting = _ReadlinkCount(fs)
        result = getattr(service(counting, folding=False), verb)(["nvim"])
        ops = sorted((type(op).__name__, op.path) for op in result.operations)
        outcomes.append((ops, snapshot(fs)))
        reads.append(counting.reads)
        (view,) = [c for c in result.caches if c.name == "target view"]
        views.append(view)
    assert outcomes[0] == outcomes[1]
    spared = list(reads[1])
    for path in reads[0]:
        spared.remove(path)
    # Planning read neither of nvim's links: its two directories' stamps vouched.
    assert sorted(spared) == [f"{HOME}/.config/nvim/init.lua", f"{HOME}/.config/nvim/lua/o.lua"]
    # One lstat per vouched directory instead of one readlink per link (one each here).
    assert (views[0].hits, views[0].misses) == (views[1].hits, views[1].misses)


def test_a_changed_directory_is_not_taken_from_its_stamp() -> None:
    """A link rewritten after the stamps were written is read, and seen as foreign."""

    def retarget(fs: MemoryFileSystem) -> None:
        fs.advance(60)
        fs.unlink(f"{HOME}/.config/nvim/init.lua")
        fs.symlink("/elsewhere/init.lua", f"{HOME}/.config/nvim/init.lua")

    fs = twin(retarget, folding=False)
    counting = _ReadlinkCount(fs)
    result = service(counting, folding=False).unmanage(["nvim"])
    assert f"{HOME}/.config/nvim/init.lua" in counting.reads
    assert links(fs) == {".config/nvim/init.lua": "/elsewhere/init.lua", **_others(fs)}
    assert all(op.path != ".config/nvim/init.lua" for op in result.operations)


def _others(fs: MemoryFileSystem) -> dict[str, str]:
    return {p: t for p, t in links(fs).items() if not p.startswith(".config/nvim")}
