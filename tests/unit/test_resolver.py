"""Every conflict kind under every policy."""

from __future__ import annotations

import pytest

from dot.errors import ConflictError
from dot.model import (
    Adopt,
    Backup,
    Clear,
    Conflict,
    ConflictKind,
    Delete,
    Draft,
    Kind,
    Link,
    Mkdir,
    Policy,
)
from dot.pipeline.resolver import resolve

RUN = "/h/.dot-backup/RUN"


def conflict(
    kind: ConflictKind, existing: Kind, *, wanted: Kind = Kind.FILE, empty: bool = False
) -> Conflict:
    return Conflict("a/f", kind, existing, "p", "a/f", wanted, "", empty)


def draft_for(c: Conflict) -> Draft:
    if c.kind is ConflictKind.PROTECTED:
        return Draft((), (), (c,))
    below = Link(c.path, "../x", "p", c.source, c.wanted)
    other = Link("b", "x", "p", "b", Kind.FILE)
    return Draft((Clear(c), below, other), (), (c,))


ALL_KINDS = [
    conflict(ConflictKind.EXISTING, Kind.FILE),
    conflict(ConflictKind.EXISTING, Kind.OTHER),
    conflict(ConflictKind.FOREIGN_LINK, Kind.LINK),
    conflict(ConflictKind.OTHER_PACKAGE, Kind.LINK),
    conflict(ConflictKind.TYPE_CLASH, Kind.FILE, wanted=Kind.DIR),
    conflict(ConflictKind.TYPE_CLASH, Kind.DIR, empty=False),
    conflict(ConflictKind.TYPE_CLASH, Kind.DIR, empty=True),
    conflict(ConflictKind.PROTECTED, Kind.FILE),
]
IDS = [f"{c.kind.value}-{c.existing.value}-{'empty' if c.empty else 'full'}" for c in ALL_KINDS]


@pytest.mark.parametrize("c", ALL_KINDS, ids=IDS)
def test_fail_raises_with_every_conflict(c: Conflict) -> None:
    with pytest.raises(ConflictError) as info:
        resolve(draft_for(c), Policy.FAIL, RUN)
    assert info.value.conflicts == (c,)
    assert info.value.exit_code == 3


@pytest.mark.parametrize("c", ALL_KINDS, ids=IDS)
def test_skip_drops_the_whole_subtree_and_keeps_the_rest(c: Conflict) -> None:
    plan = resolve(draft_for(c), Policy.SKIP, RUN)
    assert plan.skipped == (c,)
    assert all(op.path == "b" for op in plan.operations)


NOT_DOTS = [
    c for c in ALL_KINDS if c.kind not in (ConflictKind.PROTECTED, ConflictKind.OTHER_PACKAGE)
]


@pytest.mark.parametrize("c", NOT_DOTS)
def test_backup_moves_any_obstacle_into_the_run_directory(c: Conflict) -> None:
    plan = resolve(draft_for(c), Policy.BACKUP, RUN)
    assert plan.operations[0] == Backup("a/f", f"{RUN}/a/f", "p", c.existing)
    assert plan.resolved == (c,)


@pytest.mark.parametrize("c", [c for c in NOT_DOTS if not (c.existing is Kind.DIR and not c.empty)])
def test_overwrite_deletes_files_links_and_empty_directories(c: Conflict) -> None:
    plan = resolve(draft_for(c), Policy.OVERWRITE, RUN)
    assert plan.operations[0] == Delete("a/f", c.existing)


def test_overwrite_never_deletes_a_non_empty_directory() -> None:
    c = conflict(ConflictKind.TYPE_CLASH, Kind.DIR, empty=False)
    with pytest.raises(ConflictError) as info:
        resolve(draft_for(c), Policy.OVERWRITE, RUN)
    assert info.value.policy == "overwrite"


def test_adopt_takes_a_regular_file_into_the_package() -> None:
    c = conflict(ConflictKind.EXISTING, Kind.FILE)
    plan = resolve(draft_for(c), Policy.ADOPT, RUN)
    assert plan.operations[0] == Adopt("a/f", "p", "a/f", f"{RUN}-adopted/p/a/f")


@pytest.mark.parametrize(
    "c", [c for c in ALL_KINDS if not (c.kind is ConflictKind.EXISTING and c.existing is Kind.FILE)]
)
def test_adopt_refuses_anything_but_a_file_for_a_file(c: Conflict) -> None:
    with pytest.raises(ConflictError):
        resolve(draft_for(c), Policy.ADOPT, RUN)


@pytest.mark.parametrize("policy", [Policy.BACKUP, Policy.OVERWRITE, Policy.ADOPT])
def test_protected_paths_are_never_resolved(policy: Policy) -> None:
    with pytest.raises(ConflictError):
        resolve(draft_for(conflict(ConflictKind.PROTECTED, Kind.FILE)), policy, RUN)


@pytest.mark.parametrize("policy", [Policy.BACKUP, Policy.OVERWRITE, Policy.ADOPT])
def test_another_packages_link_is_never_moved_or_deleted(policy: Policy) -> None:
    with pytest.raises(ConflictError):
        resolve(draft_for(conflict(ConflictKind.OTHER_PACKAGE, Kind.LINK)), policy, RUN)


def test_skip_drops_all_work_planned_in_place_of_a_skipped_obstacle() -> None:
    """A draft planned without knowing the policy: the obstacle stays, so nothing
    planned at or below its path may run, whoever's work it is."""
    c = Conflict(".config", ConflictKind.FOREIGN_LINK, Kind.LINK, "vim", "dot-config", Kind.DIR)
    ops = (
        Clear(c),
        Mkdir(".config", "vim"),
        Link(".config/nvim", "t", "vim", "dot-config/nvim", Kind.DIR),
        Link(".config/zsh", "t", "zsh", "dot-config/zsh", Kind.DIR),
        Link(".zshrc", "t", "zsh", "dot-zshrc", Kind.FILE),
    )
    plan = resolve(Draft(ops, (), (c,)), Policy.SKIP, RUN)
    assert [op.path for op in plan.operations] == [".zshrc"]
    assert plan.skipped == (c,)


def test_skip_keeps_work_when_the_planner_left_the_obstacle_in_place() -> None:
    """Planned under `skip`: no Clear, and work inside the (kept) directory stays."""
    c = Conflict("b", ConflictKind.TYPE_CLASH, Kind.DIR, "vim", "b", Kind.FILE)
    ops = (Link("b/rc", "t", "tmux", "b/rc", Kind.FILE),)
    plan = resolve(Draft(ops, (), (c,)), Policy.SKIP, RUN)
    assert plan.operations == ops
    assert plan.skipped == (c,)


def test_one_unresolvable_conflict_stops_everything() -> None:
    ok = conflict(ConflictKind.EXISTING, Kind.FILE)
    bad = Conflict("z", ConflictKind.TYPE_CLASH, Kind.DIR, "p", "z", Kind.FILE, "", False)
    draft = Draft((Clear(ok), Clear(bad), Mkdir("q", "p")), (), (ok, bad))
    with pytest.raises(ConflictError) as info:
        resolve(draft, Policy.OVERWRITE, RUN)
    assert info.value.conflicts == (bad,)


def test_no_conflicts_passes_operations_through() -> None:
    ops = (Mkdir("q", "p"), Link("q/f", "x", "p", "q/f", Kind.FILE))
    plan = resolve(Draft(ops, (), ()), Policy.FAIL, RUN)
    assert plan.operations == ops
    assert not plan.skipped
