"""The planner on literal data: folding, unfolding, refolding, conflicts, claims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dot.manifest import LinkRecord, Manifest, PackageRecord, Settings
from dot.model import (
    Claim,
    Clear,
    ConflictKind,
    Draft,
    Kind,
    Link,
    Mkdir,
    Restore,
    Rmdir,
    Unlink,
)
from dot.paths import Layout
from dot.pipeline.planner import Action, Options, plan
from dot.pipeline.target import StaticTarget
from helpers import Trees, target, tree

LAYOUT = Layout("/x/dotfiles", "/x/home")
D = "../dotfiles"


def run(
    actions: list[tuple[Action, str]],
    trees: Mapping[str, Any],
    nodes: Mapping[str, str] | StaticTarget | None = None,
    *,
    manifest: Manifest | None = None,
    options: Options | None = None,
    protected: frozenset[str] = frozenset(),
) -> Draft:
    view = nodes if isinstance(nodes, StaticTarget) else target(nodes or {})
    return plan(
        actions,
        layout=LAYOUT,
        options=options or Options(),
        manifest=manifest or Manifest(LAYOUT.dir, LAYOUT.target),
        sources=Trees({name: tree(spec) for name, spec in trees.items()}),
        target=view,
        protected=protected,
        backup_root="/x/home/.dot-backup",
    )


def manage(*names: str) -> list[tuple[Action, str]]:
    return [(Action.MANAGE, n) for n in names]


def unmanage(*names: str) -> list[tuple[Action, str]]:
    return [(Action.UNMANAGE, n) for n in names]


def installed(name: str, links: Mapping[str, str], dirs: frozenset[str] = frozenset()) -> Manifest:
    records = {
        path: LinkRecord(text, text.split(f"{name}/", 1)[-1], Kind.FILE)
        for path, text in links.items()
    }
    return Manifest(
        LAYOUT.dir, LAYOUT.target, {name: PackageRecord(name=name, links=records)}, dirs
    )


# --- manage ----------------------------------------------------------------------


def test_files_and_clean_directories_fold_into_single_links() -> None:
    draft = run(manage("vim"), {"vim": {"dot-vimrc": "", "dot-vim": {"colors": {"x": ""}}}})
    assert draft.operations == (
        Link(".vim", f"{D}/vim/dot-vim", "vim", "dot-vim", Kind.DIR),
        Link(".vimrc", f"{D}/vim/dot-vimrc", "vim", "dot-vimrc", Kind.FILE),
    )
    assert not draft.conflicts


def test_translated_names_below_a_directory_prevent_folding() -> None:
    draft = run(manage("p"), {"p": {"dot-config": {"app": {"dot-rc": ""}}}})
    assert draft.operations == (
        Mkdir(".config", "p"),
        Mkdir(".config/app", "p"),
        Link(
            ".config/app/.rc",
            f"../../{D}/p/dot-config/app/dot-rc",
            "p",
            "dot-config/app/dot-rc",
            Kind.FILE,
        ),
    )


def test_ignored_entries_below_a_directory_prevent_folding() -> None:
    draft = run(manage("p"), {"p": {"d": {"keep": "", "junk~!": ""}}})
    assert draft.operations == (
        Mkdir("d", "p"),
        Link("d/keep", f"../{D}/p/d/keep", "p", "d/keep", Kind.FILE),
    )


def test_no_fold_list_keeps_config_a_real_directory() -> None:
    draft = run(manage("nvim"), {"nvim": {"dot-config": {"nvim": {"init.lua": ""}}}})
    assert draft.operations == (
        Mkdir(".config", "nvim"),
        Link(".config/nvim", f"../{D}/nvim/dot-config/nvim", "nvim", "dot-config/nvim", Kind.DIR),
    )


def test_no_folding_creates_every_directory() -> None:
    draft = run(manage("p"), {"p": {"a": {"b": {"f": ""}}}}, options=Options(folding=False))
    assert [type(op).__name__ for op in draft.operations] == ["Mkdir", "Mkdir", "Link"]


def test_existing_directory_is_entered_not_replaced() -> None:
    draft = run(manage("p"), {"p": {"d": {"f": ""}}}, {"d/mine": "file"})
    assert draft.operations == (Link("d/f", f"../{D}/p/d/f", "p", "d/f", Kind.FILE),)


def test_correct_existing_links_are_claimed_not_rewritten() -> None:
    # A link GNU Stow made into the same package directory: no conflict, no change.
    draft = run(manage("vim"), {"vim": {"dot-vimrc": ""}}, {".vimrc": f"-> {D}/vim/dot-vimrc"})
    assert draft.operations == ()
    assert draft.claims == (Claim(".vimrc", f"{D}/vim/dot-vimrc", "vim", "dot-vimrc", Kind.FILE),)


def test_absolute_link_to_the_right_source_is_accepted() -> None:
    draft = run(
        manage("vim"), {"vim": {"dot-vimrc": ""}}, {".vimrc": "-> /x/dotfiles/vim/dot-vimrc"}
    )
    assert draft.operations == ()
    assert draft.claims[0].text == "/x/dotfiles/vim/dot-vimrc"


def test_stale_link_into_the_package_directory_is_replaced_silently() -> None:
    draft = run(
        manage("vim"), {"vim": {"dot-vimrc": ""}, "old": {}}, {".vimrc": f"-> {D}/old/gone"}
    )
    assert draft.operations == (
        Unlink(".vimrc", f"{D}/old/gone", "old"),
        Link(".vimrc", f"{D}/vim/dot-vimrc", "vim", "dot-vimrc", Kind.FILE),
    )
    assert not draft.conflicts


def test_unfolding_another_packages_directory_goes_all_the_way_down() -> None:
    trees = {"a": {"x": {"y": {"f1": ""}}}, "b": {"x": {"y": {"f2": ""}, "z": {"f3": ""}}}}
    draft = run(manage("b"), trees, {"x": f"-> {D}/a/x"})
    assert draft.operations == (
        Unlink("x", f"{D}/a/x", "a"),
        Mkdir("x", "b"),
        Mkdir("x/y", "b"),
        Link("x/y/f1", f"../../{D}/a/x/y/f1", "a", "x/y/f1", Kind.FILE),
        Link("x/y/f2", f"../../{D}/b/x/y/f2", "b", "x/y/f2", Kind.FILE),
        Link("x/z", f"../{D}/b/x/z", "b", "x/z", Kind.DIR),
    )


def test_two_packages_in_one_run_unfold_each_other() -> None:
    draft = run(manage("a", "b"), {"a": {"x": {"f1": ""}}, "b": {"x": {"f2": ""}}})
    assert draft.operations == (
        Mkdir("x", "b"),
        Link("x/f1", f"../{D}/a/x/f1", "a", "x/f1", Kind.FILE),
        Link("x/f2", f"../{D}/b/x/f2", "b", "x/f2", Kind.FILE),
    )


def test_package_name_mapping_puts_the_package_under_its_translated_name() -> None:
    options = Options(package_name_mapping=True)
    draft = run(manage("dot-vim"), {"dot-vim": {"vimrc": ""}}, options=options)
    assert draft.operations == (Link(".vim", f"{D}/dot-vim", "dot-vim", "", Kind.DIR),)


def test_absolute_option_writes_absolute_text() -> None:
    draft = run(manage("vim"), {"vim": {"f": ""}}, options=Options(absolute=True))
    assert draft.operations == (Link("f", "/x/dotfiles/vim/f", "vim", "f", Kind.FILE),)


# --- conflicts ---------------------------------------------------------------------


def kinds(draft: Draft) -> list[tuple[str, ConflictKind, Kind]]:
    return [(c.path, c.kind, c.existing) for c in draft.conflicts]


def test_every_conflict_is_reported_at_once() -> None:
    trees = {"p": {"f1": "", "f2": "", "f3": "", "f4": "", "d": {"x": ""}}, "q": {"f3": ""}}
    nodes = {
        "f1": "file",
        "f2": "-> /etc/hosts",
        "f3": f"-> {D}/q/f3",
        "f4": "dir",
        "f4/inside": "file",
        "d": "file",
    }
    draft = run(manage("p"), trees, nodes)
    assert kinds(draft) == [
        ("d", ConflictKind.TYPE_CLASH, Kind.FILE),
        ("f1", ConflictKind.EXISTING, Kind.FILE),
        ("f2", ConflictKind.FOREIGN_LINK, Kind.LINK),
        ("f3", ConflictKind.OTHER_PACKAGE, Kind.LINK),
        ("f4", ConflictKind.TYPE_CLASH, Kind.DIR),
    ]
    assert draft.conflicts[3].detail == "q"
    # Each conflict is planned as if the obstacle were gone.
    assert Clear(draft.conflicts[1]) in draft.operations
    assert Link("f1", f"{D}/p/f1", "p", "f1", Kind.FILE) in draft.operations


def test_special_file_is_an_existing_conflict() -> None:
    draft = run(manage("p"), {"p": {"fifo": ""}}, {"fifo": "other"})
    assert kinds(draft) == [("fifo", ConflictKind.EXISTING, Kind.OTHER)]


def test_empty_directory_obstacle_is_marked_empty() -> None:
    draft = run(manage("p"), {"p": {"f": ""}}, {"f": "dir"})
    assert draft.conflicts[0].empty
    draft = run(manage("p"), {"p": {"f": ""}}, {"f": "dir", "f/x": "file"})
    assert not draft.conflicts[0].empty


def test_dot_state_and_the_package_directory_are_protected() -> None:
    layout_inside = Layout("/h/dotfiles", "/h")
    draft = plan(
        manage("p"),
        layout=layout_inside,
        options=Options(),
        manifest=Manifest(layout_inside.dir, layout_inside.target),
        sources=Trees({"p": tree({"dotfiles": {"x": ""}, ".dot-manifest.json": ""})}),
        target=target({"dotfiles": "dir"}),
        protected=frozenset({".dot-manifest.json"}),
    )
    assert [(c.path, c.kind) for c in draft.conflicts] == [
        (".dot-manifest.json", ConflictKind.PROTECTED),
        ("dotfiles", ConflictKind.PROTECTED),
    ]
    assert draft.operations == ()


# --- unmanage --------------------------------------------------------------------


def test_unmanage_removes_only_links_owned_by_the_package() -> None:
    nodes = {
        ".vimrc": f"-> {D}/vim/dot-vimrc",
        ".zshrc": f"-> {D}/zsh/dot-zshrc",
        ".foreign": "-> /etc/hosts",
        ".local-file": "file",
    }
    draft = run(unmanage("vim"), {"vim": {"dot-vimrc": ""}, "zsh": {"dot-zshrc": ""}}, nodes)
    assert draft.operations == (Unlink(".vimrc", f"{D}/vim/dot-vimrc", "vim"),)


def test_unmanage_refolds_a_directory_dot_unfolded() -> None:
    nodes = {
        "x": "dir",
        "x/f1": f"-> ../{D}/a/x/f1",
        "x/f2": f"-> ../{D}/b/x/f2",
    }
    manifest = installed("b", {"x/f2": f"../{D}/b/x/f2"}, dirs=frozenset({"x"}))
    draft = run(
        unmanage("b"), {"a": {"x": {"f1": ""}}, "b": {"x": {"f2": ""}}}, nodes, manifest=manifest
    )
    assert draft.operations == (
        Rmdir("x"),
        Link("x", f"{D}/a/x", "a", "x", Kind.DIR),
        Unlink("x/f1", f"../{D}/a/x/f1", "a"),
        Unlink("x/f2", f"../{D}/b/x/f2", "b"),
    )


def test_directories_that_existed_before_dot_are_never_refolded_or_removed() -> None:
    nodes = {"x": "dir", "x/f1": f"-> ../{D}/a/x/f1", "x/f2": f"-> ../{D}/b/x/f2"}
    manifest = installed("b", {"x/f2": f"../{D}/b/x/f2"})  # "x" not created by dot
    draft = run(
        unmanage("b"), {"a": {"x": {"f1": ""}}, "b": {"x": {"f2": ""}}}, nodes, manifest=manifest
    )
    assert draft.operations == (Unlink("x/f2", f"../{D}/b/x/f2", "b"),)
    draft = run(
        unmanage("a", "b"),
        {"a": {"x": {"f1": ""}}, "b": {"x": {"f2": ""}}},
        nodes,
        manifest=manifest,
    )
    assert Rmdir("x") not in draft.operations


def test_emptied_directories_dot_created_are_removed_bottom_up() -> None:
    nodes = {"a": "dir", "a/b": "dir", "a/b/f": f"-> ../../{D}/p/a/b/f"}
    manifest = installed("p", {"a/b/f": f"../../{D}/p/a/b/f"}, dirs=frozenset({"a", "a/b"}))
    draft = run(unmanage("p"), {"p": {"a": {"b": {"f": ""}}}}, nodes, manifest=manifest)
    assert draft.operations == (
        Rmdir("a"),
        Rmdir("a/b"),
        Unlink("a/b/f", f"../../{D}/p/a/b/f", "p"),
    )


def test_unmanage_uses_the_manifest_when_the_package_directory_is_gone() -> None:
    manifest = installed("gone", {".rc": f"{D}/gone/dot-rc"})
    draft = run(unmanage("gone"), {}, {".rc": f"-> {D}/gone/dot-rc"}, manifest=manifest)
    assert draft.operations == (Unlink(".rc", f"{D}/gone/dot-rc", "gone"),)


def test_unmanage_restores_backups_of_the_package() -> None:
    from dot.manifest import BackupRecord
    from dot.values import replace

    manifest = installed("vim", {".vimrc": f"{D}/vim/dot-vimrc"})
    record = replace(
        manifest.packages["vim"],
        backups=(BackupRecord(".vimrc", "/x/home/.dot-backup/RUN/.vimrc"),),
    )
    manifest = replace(manifest, packages={"vim": record})
    draft = run(
        unmanage("vim"),
        {"vim": {"dot-vimrc": ""}},
        {".vimrc": f"-> {D}/vim/dot-vimrc"},
        manifest=manifest,
    )
    assert draft.operations == (
        Unlink(".vimrc", f"{D}/vim/dot-vimrc", "vim"),
        Restore(".vimrc", "/x/home/.dot-backup/RUN/.vimrc", "vim", "/x/home"),
    )


# --- remanage --------------------------------------------------------------------


def test_remanage_of_an_unchanged_package_plans_nothing() -> None:
    trees = {"a": {"x": {"f1": ""}}, "b": {"x": {"f2": ""}, "g": ""}}
    nodes = {
        "x": "dir",
        "x/f1": f"-> ../{D}/a/x/f1",
        "x/f2": f"-> ../{D}/b/x/f2",
        "g": f"-> {D}/b/g",
    }
    manifest = installed("b", {"x/f2": f"../{D}/b/x/f2", "g": f"{D}/b/g"}, dirs=frozenset({"x"}))
    draft = run([(Action.REMANAGE, "b")], trees, nodes, manifest=manifest)
    assert draft.operations == ()
    # a's link survives the refold-and-unfold round trip untouched, and stays a's.
    assert {(c.path, c.package) for c in draft.claims} == {("x/f2", "b"), ("g", "b"), ("x/f1", "a")}


def test_remanage_applies_only_the_difference() -> None:
    trees = {"b": {"new": "", "kept": ""}}
    nodes = {"kept": f"-> {D}/b/kept", "removed": f"-> {D}/b/removed"}
    manifest = installed("b", {"kept": f"{D}/b/kept", "removed": f"{D}/b/removed"})
    draft = run([(Action.REMANAGE, "b")], trees, nodes, manifest=manifest)
    assert draft.operations == (
        Link("new", f"{D}/b/new", "b", "new", Kind.FILE),
        Unlink("removed", f"{D}/b/removed", "b"),
    )


def test_remanage_repairs_a_wrong_link_of_its_own() -> None:
    trees = {"b": {"f": ""}}
    nodes = {"f": f"-> {D}/b/elsewhere"}
    manifest = installed("b", {"f": f"{D}/b/f"})
    draft = run([(Action.REMANAGE, "b")], trees, nodes, manifest=manifest)
    assert draft.operations == (
        Unlink("f", f"{D}/b/elsewhere", "b"),
        Link("f", f"{D}/b/f", "b", "f", Kind.FILE),
    )


def test_settings_record_folding_choice_blocks_refold() -> None:
    nodes = {"x": "dir", "x/f1": f"-> ../{D}/a/x/f1", "x/f2": f"-> ../{D}/b/x/f2"}
    manifest = installed("b", {"x/f2": f"../{D}/b/x/f2"}, dirs=frozenset({"x"}))
    a_record = PackageRecord(name="a", settings=Settings(folding=False))
    manifest = Manifest(
        manifest.dir, manifest.target, {**manifest.packages, "a": a_record}, manifest.dirs
    )
    draft = run(
        unmanage("b"), {"a": {"x": {"f1": ""}}, "b": {"x": {"f2": ""}}}, nodes, manifest=manifest
    )
    assert draft.operations == (Unlink("x/f2", f"../{D}/b/x/f2", "b"),)
