"""Property tests of manage / unmanage / remanage over random worlds (in-memory FS).

Worlds: 1-4 packages with random trees (shared directory names, `dot-` names,
no-fold names, ignored names, symlinks inside packages, empty directories),
random foreign content in the target (files, directories, foreign and dangling
symlinks, special files), random folding and dotfiles flags. See prop_worlds.py.

Properties:
1. manage then unmanage restores the target exactly, state files included (the
   manifest and .dot-backup are gone); under policy fail a conflict changes nothing.
   After manage, every included package file is linked or reported as skipped.
2. manage twice equals manage once: the repeat plans nothing and writes nothing.
3. remanage right after manage writes nothing; after a package change, remanage
   gives the tree a manage from scratch gives, touching only the changed entry.
4. random command sequences keep the manifest's links true and foreign files safe,
   and unmanaging everything restores the target.
The rollback property (an injected failure changes nothing) is test_rollback.py.
Set DOT_PROPERTY_SCALE=10 for ten times as many examples.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from prop_worlds import (
    DIR,
    HOME,
    MANIFEST,
    SCALE,
    Mutation,
    World,
    check_manifest_links,
    diff,
    foreign_kept,
    is_state,
    mutations,
    property_settings,
    unreached,
    within_top,
    without_state,
    worlds,
)

from dot.errors import ConflictError, NotInstalled
from dot.fs.faulty import FaultyFileSystem
from dot.fs.memory import MemoryFileSystem
from dot.model import Conflict, ConflictKind, Policy
from dot.paths import is_within, translate

SETTINGS = property_settings(60)

# --- bugs these properties found (all fixed) ------------------------------------------
# Each bug's minimal example stays pinned with @example as a regression; the texts
# below say what used to go wrong. A new bug gets the same treatment: a strict xfail
# with its example pinned, until it is fixed.

BACKUP_OTHER = (
    "BUG backup-other: policy backup moves ANOTHER package's link (or a directory dot "
    "made that holds its links) into the backup; that package silently loses it and "
    "unmanage later puts it back as an orphan. vim and zsh both have 'rc'; "
    "manage(['vim']); manage(['zsh'], policy=backup); unmanage(['vim', 'zsh']) leaves "
    "rc -> ../dotfiles/vim/rc. vim {'b/rc'}, zsh {'b'}, no folding: after the same two "
    "manages, remanage(['vim'], policy=backup) backs zsh's link up in turn"
)
BACKUP_DIR = (
    "BUG backup-dir: a backed-up file whose path the package needs as a directory is "
    "not restored on unmanage (restore is checked before the directory is removed). "
    "add_package(fs, 'vim', {'dot-config/nvim': ''}); fs.write('/home/.config', 'mine'); "
    "manage(['vim'], policy=backup); unmanage(['vim']) leaves ~/.config only in "
    ".dot-backup/<run>/.config, unrecorded (the manifest is gone)"
)
FAST_PATH = (
    "BUG fast-path: remanage's 'unchanged' check compares only fingerprints of included "
    "files, so a new ignored file in a folded dir (the folded link now exposes it) or a "
    "new empty dir is never applied. add_package(fs, 'vim', {'dot-vim/colors': ''}); "
    "manage(['vim']); fs.write('/dotfiles/vim/dot-vim/secret~', ''); remanage(['vim']) "
    "keeps .vim -> ../dotfiles/vim/dot-vim (from scratch: .vim/colors only)"
)
STALE_AFTER_MANAGE = (
    "BUG stale-after-manage: manage after a package file was deleted refreshes the "
    "fingerprints but keeps the dangling link recorded, so remanage's fast path never "
    "removes it. vim {'dot-vimrc', 'dot-gvimrc'}; manage; rm dot-gvimrc; manage; "
    "remanage(['vim']) is 'up to date' and ~/.gvimrc dangles"
)
SAME_RUN_CLEAR = (
    "BUG same-run-clear: in one command, a later package's conflict on an existing "
    "directory clears it although an earlier package of the run descends into it. "
    "add_package(fs, 'vim', {'b/f': ''}); add_package(fs, 'zsh', {'b': ''}); "
    "fs.makedirs('/home/b'); manage(['vim', 'zsh']) -> backup: ExecutionError 'could not "
    "link /home/b/f' (exit 1, not a conflict); skip: vim's b/f silently not linked nor "
    "reported; with vim {'b/': None}: backup succeeds once, then the same command "
    "fails with a conflict"
)
HIDDEN_CONFLICT = (
    "BUG hidden-conflict: in one command, a later package's conflict below a path "
    "already in conflict for an earlier package is neither reported nor linked. "
    "fs.symlink('/elsewhere/config', '/home/.config'); vim {'dot-config/nvim/init'}, "
    "zsh {'dot-config/zsh/rc'}; manage(['vim', 'zsh'], policy=skip) reports only "
    "(.config, vim); manage(['zsh']) alone reports (.config, zsh)"
)

DIR_CREDIT = (
    "BUG dir-credit: when zsh unfolds vim's folded empty dir, the dirs made for vim's "
    "entries are credited to zsh only; managing vim again claims them and rewrites the "
    "manifest. vim {'d/': None}, zsh {'d/': None}; manage(['vim']); manage(['zsh']); "
    "manage(['vim']) writes .dot-manifest.json (vim.dirs [] -> ['d'])"
)


_EMPTY_DIR_WORLD = World({"vim": {"dot-config": {}, "dot-rc": ""}}, folding=True, dotfiles=True)
_SHARED_FILE_WORLD = World({"vim": {"rc": ""}, "zsh": {"rc": ""}})
_FILE_WHERE_DIR_WORLD = World({"vim": {"dot-config": {"nvim": ""}}}, {".config": "mine"})
_SAME_RUN_WORLD = World({"vim": {"b": {"f": ""}}, "zsh": {"b": ""}}, {"b": {}})
_SAME_RUN_EMPTY_WORLD = World({"vim": {"b": {}, "x": ""}, "zsh": {"b": ""}}, {"b": {}})


@dataclass(frozen=True)
class Scenario:
    """A world and the order of the commands run on it."""

    world: World
    manage: list[list[str]]  # one command per group
    unmanage: list[list[str]] = field(default_factory=list)
    again: list[str] = field(default_factory=list)  # a second manage, all at once


@st.composite
def _grouping(draw: st.DrawFn, names: list[str]) -> list[list[str]]:
    order = draw(st.permutations(names))
    if draw(st.booleans()):
        return [order]
    return [[name] for name in order]


@st.composite
def scenarios(draw: st.DrawFn, **kwargs: Any) -> Scenario:
    world = draw(worlds(**kwargs))
    return Scenario(
        world,
        manage=draw(_grouping(world.names)),
        unmanage=draw(_grouping(world.names)),
        again=draw(st.permutations(world.names)),
    )


def _between_packages(conflict: Conflict) -> bool:
    """A conflict between two packages: no policy moves a package's link away."""
    return conflict.in_run or conflict.kind is ConflictKind.OTHER_PACKAGE


def _manage_groups(scenario: Scenario, fs: Any, policy: Policy) -> list[str]:
    """Run the manage commands; return the packages installed.

    Under a policy other than skip, two packages that want the same path (in one
    command, or one installed and one being installed) are a conflict no policy
    resolves (only skip gets past): nothing changes.
    """
    world = scenario.world
    installed: list[str] = []
    for tick, group in enumerate(scenario.manage):
        before = fs.snapshot(HOME)
        try:
            world.dot(fs, policy=policy, tick=tick).manage(group)
        except ConflictError as exc:
            assert policy is not Policy.SKIP
            assert all(_between_packages(c) for c in exc.conflicts), exc.conflicts
            assert fs.snapshot(HOME) == before
            continue
        installed.extend(group)
    return installed


# --- 1. manage then unmanage restores the target ----------------------------------


@pytest.mark.parametrize(
    "policy",
    [
        Policy.SKIP,
        Policy.BACKUP,
    ],
    ids=str,
)
@SETTINGS
@given(scenario=scenarios())
@example(scenario=Scenario(_EMPTY_DIR_WORLD, [["vim"]], [["vim"]], ["vim"]))
@example(scenario=Scenario(_SAME_RUN_WORLD, [["vim", "zsh"]], [["vim", "zsh"]]))
@example(scenario=Scenario(_SHARED_FILE_WORLD, [["vim"], ["zsh"]], [["vim", "zsh"]]))
@example(scenario=Scenario(_FILE_WHERE_DIR_WORLD, [["vim"]], [["vim"]]))
def test_manage_then_unmanage_restores_target(policy: Policy, scenario: Scenario) -> None:
    world = scenario.world
    fs = world.build()
    before = fs.snapshot(HOME)
    package_dir = fs.snapshot(DIR)
    installed = _manage_groups(scenario, fs, policy)
    check_manifest_links(fs, lambda name: True)
    assert foreign_kept(before, fs.snapshot(HOME)) == []
    for tick, group in enumerate(scenario.unmanage, start=10):
        group = [name for name in group if name in installed]
        if group:
            world.dot(fs, policy=policy, tick=tick).unmanage(group)
    after = fs.snapshot(HOME)
    assert after == before, diff(before, after)
    assert not fs.exists(MANIFEST)
    assert not fs.exists(f"{HOME}/.dot-backup")
    assert fs.snapshot(DIR) == package_dir


@SETTINGS
@given(scenario=scenarios())
@example(scenario=Scenario(_EMPTY_DIR_WORLD, [["vim"]], [["vim"]], ["vim"]))
def test_manage_with_policy_fail_changes_nothing_on_conflict(scenario: Scenario) -> None:
    world = scenario.world
    fs = world.build()
    before = fs.snapshot(HOME)
    package_dir = fs.snapshot(DIR)
    faulty = FaultyFileSystem(fs)
    try:
        world.dot(faulty).manage(scenario.again)
    except ConflictError as exc:
        assert exc.conflicts
        assert faulty.writes == 0
        assert fs.snapshot(HOME) == before
        assert fs.snapshot(DIR) == package_dir
        return
    # No conflict: the run succeeded, and unmanaging restores the target.
    world.dot(fs).unmanage(world.names)
    assert fs.snapshot(HOME) == before, diff(before, fs.snapshot(HOME))


@pytest.mark.parametrize(
    "policy",
    [
        Policy.SKIP,
        Policy.BACKUP,
    ],
    ids=str,
)
@SETTINGS
@given(scenario=scenarios())
@example(scenario=Scenario(_SAME_RUN_WORLD, [["vim", "zsh"]]))
@example(
    scenario=Scenario(
        World(
            {
                "vim": {"dot-config": {"nvim": {"init": ""}}},
                "zsh": {"dot-config": {"zsh": {"rc": ""}}},
            },
            {".config": ("link", "/elsewhere/config")},
        ),
        [["vim", "zsh"]],
    )
)
@example(scenario=Scenario(_SHARED_FILE_WORLD, [["vim"], ["zsh"]]))
def test_manage_links_every_file_or_reports_it(policy: Policy, scenario: Scenario) -> None:
    """After manage, each included package file is reached by a link, or was reported."""
    world = scenario.world
    fs = world.build()
    reported = []
    installed = []
    for tick, group in enumerate(scenario.manage):
        try:
            result = world.dot(fs, policy=policy, tick=tick).manage(group)
        except ConflictError as exc:
            assert policy is not Policy.SKIP
            assert all(_between_packages(c) for c in exc.conflicts), exc.conflicts
            continue
        reported.extend(result.skipped)
        installed.extend(group)
    for name in installed:
        for rel in unreached(fs, world, name):
            path = translate(rel, world.dotfiles)
            assert any(c.package == name and is_within(path, c.path) for c in reported), (
                f"{name}: {rel} is neither linked at {path} nor reported as skipped"
            )


# --- 2. manage is idempotent ---------------------------------------------------------


@pytest.mark.parametrize("policy", [Policy.SKIP, Policy.BACKUP], ids=str)
@SETTINGS
@given(scenario=scenarios())
@example(scenario=Scenario(_SAME_RUN_WORLD, [["vim", "zsh"]]))
@example(scenario=Scenario(_SAME_RUN_EMPTY_WORLD, [["vim", "zsh"]]))
def test_manage_twice_equals_manage_once(policy: Policy, scenario: Scenario) -> None:
    """Each manage command, repeated at once (with a later clock), does nothing."""
    world = scenario.world
    fs = world.build()
    for tick, group in enumerate(scenario.manage):
        try:
            world.dot(fs, policy=policy, tick=2 * tick).manage(group)
        except ConflictError as exc:
            assert all(_between_packages(c) for c in exc.conflicts), exc.conflicts
            continue
        once = fs.snapshot(HOME)
        faulty = FaultyFileSystem(fs)
        result = world.dot(faulty, policy=policy, tick=2 * tick + 1).manage(group)
        assert result.operations == (), result.operations
        assert faulty.writes == 0, faulty.calls
        assert fs.snapshot(HOME) == once, diff(once, fs.snapshot(HOME))


@SETTINGS
@given(scenario=scenarios())
@example(
    scenario=Scenario(World({"vim": {"d": {}}, "zsh": {"d": {}}}), [["vim"], ["zsh"]], [], ["vim"])
)
# A file refused by a real directory; another package's file (or empty directory)
# belongs inside it. Once the refused file was planned "as if the directory were
# gone", so the other package's work was skipped with it in one order, not the other.
@example(
    scenario=Scenario(
        World(
            {"vim": {"b": "", "rc": ""}, "tmux": {"b": {"rc": ""}}},
            foreign={"b": {".config": {}}},
            folding=False,
            dotfiles=False,
        ),
        [["vim", "tmux"]],
        [],
        ["tmux", "vim"],
    )
)
@example(
    scenario=Scenario(
        World(
            {"vim": {"b": ""}, "git": {"b": {}}},
            foreign={"b": {".config": {}}},
            folding=False,
            dotfiles=False,
        ),
        [["vim", "git"]],
        [],
        ["git", "vim"],
    )
)
def test_manage_all_again_under_skip_does_nothing(scenario: Scenario) -> None:
    """Under skip, managing every package again, in any order and grouping, writes nothing."""
    world = scenario.world
    fs = world.build()
    _manage_groups(scenario, fs, Policy.SKIP)
    once = fs.snapshot(HOME)
    faulty = FaultyFileSystem(fs)
    result = world.dot(faulty, policy=Policy.SKIP, tick=10).manage(scenario.again)
    assert result.operations == (), result.operations
    assert faulty.writes == 0, faulty.calls
    assert fs.snapshot(HOME) == once, diff(once, fs.snapshot(HOME))


# --- 3. remanage -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy",
    [Policy.SKIP, Policy.BACKUP],
    ids=str,
)
@SETTINGS
@given(scenario=scenarios())
@example(
    scenario=Scenario(
        World({"vim": {"b": {"rc": ""}}, "zsh": {"b": ""}}, folding=False),
        [["vim"], ["zsh"]],
        [],
        ["vim"],
    )
)
@example(scenario=Scenario(_SAME_RUN_WORLD, [["vim", "zsh"]], [], ["vim", "zsh"]))
def test_remanage_after_manage_does_nothing(policy: Policy, scenario: Scenario) -> None:
    world = scenario.world
    fs = world.build()
    installed = _manage_groups(scenario, fs, policy)
    if not installed:
        return
    once = fs.snapshot(HOME)
    faulty = FaultyFileSystem(fs)
    packages = [name for name in scenario.again if name in installed]
    result = world.dot(faulty, policy=policy, tick=10).remanage(packages)
    assert result.operations == (), result.operations
    assert faulty.writes == 0, faulty.calls
    assert fs.snapshot(HOME) == once


@dataclass(frozen=True)
class Change:
    world: World
    mutation: Mutation


@st.composite
def changes(draw: st.DrawFn) -> Change:
    world = draw(worlds(foreign=False, disjoint=True))
    return Change(world, draw(mutations(world, disjoint=True)))


Snapshot = dict[str, tuple[str, str | bytes, int]]


def _unfolded_empty_dirs_kept(
    expected: Snapshot, actual: Snapshot, scratch: MemoryFileSystem
) -> Snapshot:
    """The one designed difference from a fresh manage: empty directories stay.

    When two packages shared a directory holding nothing but (empty) directories and
    one of them lets it go, the directories stay real, as GNU Stow leaves them: there
    is no link inside to refold by (see test_empty_package_directories_shared in the
    differential suite). A fresh manage links the remaining package's directory
    instead. Only that exact shape is accepted: the same directories, nothing else.
    """
    adjusted = dict(expected)
    for path, (kind, data, _mode) in expected.items():
        now = actual.get(path)
        if kind != "link" or now is None or now[:2] != ("dir", b""):
            continue
        pointed = os.path.normpath(os.path.join(HOME, os.path.dirname(path), str(data)))
        inside = {rel: node[0] for rel, node in scratch.snapshot(pointed).items()}
        below = {
            rel[len(path) + 1 :]: node for rel, node in actual.items() if rel.startswith(path + "/")
        }
        only_dirs = all(k == "dir" for k in inside.values())
        if only_dirs and set(inside) == set(below) and all(n[0] == "dir" for n in below.values()):
            adjusted[path] = now
            adjusted.update({f"{path}/{rel}": node for rel, node in below.items()})
    return adjusted


@settings(SETTINGS, max_examples=int(100 * SCALE))
@given(change=changes())
@example(
    change=Change(
        World({"vim": {"dot-vim": {"colors1": ""}}}),
        Mutation("add-file", "vim", "dot-vim/x1~", "1"),
    )
)
@example(
    change=Change(
        World({"vim": {"init1": ""}}, folding=False),
        Mutation("add-empty-dir", "vim", "new1", "1"),
    )
)
@example(
    change=Change(
        World({"vim": {"conf": {"a1": ""}}, "zsh": {"conf": {}, "rc2": ""}}, dotfiles=False),
        Mutation("add-file", "vim", "vimrc1", "1"),
    )
)
@example(
    change=Change(
        World({"vim": {"conf": {}}, "zsh": {"conf": {}, "rc2": ""}}, dotfiles=False),
        Mutation("remove", "vim", "conf", "1"),
    )
)
@example(
    change=Change(
        World({"vim": {"c": {"c": {}}}, "zsh": {"c": {"c": {}}, "rc2": ""}}, dotfiles=False),
        Mutation("remove", "vim", "c", "1"),
    )
)
# zsh's own empty `l` keeps `l` a directory when vim leaves it: no refold into git.
@example(
    change=Change(
        World(
            {"vim": {"l": {"c": {}}}, "zsh": {"l": {}}, "git": {"l": {"c": {"c": {}}}, "rc3": ""}},
            dotfiles=False,
        ),
        Mutation("remove", "vim", "l", "1"),
    )
)
def test_remanage_after_change_equals_manage_from_scratch(change: Change) -> None:
    """Packages never want the same file here (disjoint names), so order cannot matter."""
    world, mutation = change.world, change.mutation
    fs = world.build()
    world.dot(fs).manage(world.names)
    changed = mutation.apply(world, fs)
    faulty = FaultyFileSystem(fs)
    result = world.dot(faulty, tick=5).remanage([mutation.package])

    scratch = changed.build()
    changed.dot(scratch).manage(changed.names)
    expected = without_state(scratch.snapshot(HOME))
    actual = without_state(fs.snapshot(HOME))
    expected = _unfolded_empty_dirs_kept(expected, actual, scratch)
    assert actual == expected, diff(expected, actual)
    check_manifest_links(fs, lambda name: True)

    # Only paths related to the change were touched.
    where = mutation.target(world)
    stray = [op for op in result.operations if not within_top(op.path, where)]
    assert stray == [], f"{mutation}: touched unrelated paths"
    target_calls = [(verb, path) for verb, path in faulty.calls if not is_state(path)]
    stray_calls = [
        (verb, path) for verb, path in target_calls if not within_top(path[len(HOME) + 1 :], where)
    ]
    assert stray_calls == []
    if mutation.kind == "edit":
        # New content, same links: only dot's state (the new fingerprint) is written.
        assert result.operations == (), result.operations
        assert target_calls == []


# --- 4. sequences ------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    world: World
    steps: list[tuple[str, Any]]  # (command, package) or ("change", Mutation)


@st.composite
def stories(draw: st.DrawFn) -> Story:
    world = draw(worlds())
    commands = st.sampled_from(["manage", "unmanage", "remanage"])
    step = st.one_of(
        st.tuples(commands, st.sampled_from(world.names)),
        st.tuples(commands, st.sampled_from(world.names)),
        st.tuples(st.just("change"), mutations(world)),
    )
    return Story(world, draw(st.lists(step, min_size=1, max_size=8)))


@pytest.mark.parametrize(
    "policy",
    [
        Policy.SKIP,
        Policy.BACKUP,
    ],
    ids=str,
)
@settings(SETTINGS, max_examples=int(50 * SCALE))
@given(sequence=stories())
@example(sequence=Story(_EMPTY_DIR_WORLD, [("manage", "vim")]))
@example(
    sequence=Story(
        World({"vim": {"dot-rc": "", "init": ""}}),
        [
            ("manage", "vim"),
            ("change", Mutation("remove", "vim", "dot-rc")),
            ("manage", "vim"),
            ("remanage", "vim"),
        ],
    )
)
@example(sequence=Story(_SHARED_FILE_WORLD, [("manage", "vim"), ("manage", "zsh")]))
@example(sequence=Story(_FILE_WHERE_DIR_WORLD, [("manage", "vim")]))
def test_random_sequences_keep_invariants(policy: Policy, sequence: Story) -> None:
    world = sequence.world
    fs = world.build()
    initial = fs.snapshot(HOME)
    current = world  # the package state, as changes accumulate
    installed: set[str] = set()
    stale: set[str] = set()  # changed since its last manage/remanage
    for tick, (verb, arg) in enumerate(sequence.steps):
        if verb == "change":
            # Mutations are drawn against the initial world: skip one that no
            # longer applies to the changed package.
            try:
                current = arg.apply(current, fs)
            except (KeyError, OSError, TypeError):
                continue
            stale.add(arg.package)
            continue
        before = fs.snapshot(HOME)
        dot = world.dot(fs, policy=policy, tick=tick)
        try:
            if verb == "manage":
                dot.manage([arg])
            elif verb == "remanage":
                dot.remanage([arg])
            else:
                dot.unmanage([arg])
        except NotInstalled:
            assert verb != "manage"
            assert arg not in installed, f"{verb} {arg}: installed, yet NotInstalled"
            assert fs.snapshot(HOME) == before
            continue
        except ConflictError as exc:
            # Another package is in the way: no policy moves its links, nothing changes.
            assert policy is not Policy.SKIP
            assert all(_between_packages(c) for c in exc.conflicts), exc.conflicts
            assert fs.snapshot(HOME) == before
            continue
        if verb == "unmanage":
            installed.discard(arg)
        else:
            installed.add(arg)
        if verb == "remanage":  # manage need not drop links of removed files
            stale.discard(arg)
        check_manifest_links(fs, lambda name: name not in stale)
        lost = foreign_kept(initial, fs.snapshot(HOME))
        assert lost == [], f"after {verb} {arg}: foreign content lost: {lost}"
    if installed:
        world.dot(fs, policy=policy, tick=99).unmanage(sorted(installed))
    after = fs.snapshot(HOME)
    assert after == initial, diff(initial, after)
