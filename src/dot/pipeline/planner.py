"""Planner: pure. From package trees, the target view and the manifest, decide.

It replays GNU Stow's algorithm (stow_node / unstow_node, with unfolding and
refolding) on an overlay of the observed target, then diffs the overlay against
what was observed. Only the difference becomes operations, so manage, unmanage
and remanage share one mechanism and remanage of an unchanged package is empty.
Obstacles become conflicts, planned "as if removed" so the resolver can apply a
policy without planning again; under `skip` they are planned as staying, so the
packages that come later see the target as it will be (whatever the order).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from enum import Enum
from posixpath import dirname
from typing import Protocol

from dot.choices import DEFAULT_NO_FOLD
from dot.manifest import Manifest, Orphan
from dot.model import (
    Claim,
    Clear,
    Conflict,
    ConflictKind,
    CopyBack,
    Draft,
    DraftOperation,
    Kind,
    Link,
    Mkdir,
    Restore,
    Rmdir,
    Unlink,
)
from dot.paths import Layout, Owner, is_within, join, parent, target_path, translate_name
from dot.pipeline.scanner import Entry
from dot.pipeline.target import DIRECTORY, MISSING, Node, TargetReader
from dot.values import replace, value


class Action(Enum):
    """What a command asks for one package."""

    MANAGE = "manage"
    UNMANAGE = "unmanage"
    REMANAGE = "remanage"


@value
class Options:
    """The mapping options that shape the link farm."""

    dotfiles: bool = True
    folding: bool = True
    absolute: bool = False
    package_name_mapping: bool = False
    no_fold: frozenset[str] = DEFAULT_NO_FOLD


class Sources(Protocol):
    """Package trees by name (None when the package does not exist)."""

    def tree(self, name: str) -> Entry | None: ...

    def source_kind(self, name: str, source: str) -> Kind:
        """`kind_in_tree(tree(name), source)`, possibly without scanning the package."""
        ...


@value
class _LinkMeta:
    package: str
    source: str
    kind: Kind


_RESTORED = Node(Kind.OTHER, "restored")


class _Overlay:
    """The target as it will be: observed state plus planned changes."""

    def __init__(self, base: TargetReader) -> None:
        self.base = base
        self.changes: dict[str, Node] = {}
        self.fresh: set[str] = set()  # directories made here: nothing observed lies below
        # Changed paths by parent (full paths: the keys of `changes`, not new strings).
        self.touched: dict[str, set[str]] = {}
        self.meta: dict[str, _LinkMeta] = {}
        self.creator: dict[str, str] = {}
        self.cleared: dict[str, Conflict] = {}
        self.restores: dict[str, Restore | CopyBack] = {}
        self._observed: dict[str, Node] = {}
        self.modes: dict[str, int] = {}
        # Observed directories found reachable through the view (every ancestor a
        # directory), so `get` need not climb to the root again; emptied whenever a
        # change lands on one of them.
        self._reachable: set[str] = {""}

    def get(self, path: str) -> Node:
        node = self.changes.get(path)
        if node is not None:
            return node
        if not path:
            return DIRECTORY
        up = path.rpartition("/")[0]  # (parent(), inline: this runs for every path)
        if up in self.fresh:
            return MISSING
        if up not in self._reachable and self.get(up).kind is not Kind.DIR:
            return MISSING
        node = self.base.node(path)
        if node.kind is Kind.DIR:
            self._reachable.add(path)
        return node

    def observed(self, path: str) -> Node:
        """What was there before the plan (MISSING below anything but a real dir)."""
        if not path:
            return DIRECTORY
        known = self._observed.get(path)
        if known is None:
            if self.observed(path.rpartition("/")[0]).kind is not Kind.DIR:
                known = MISSING
            else:
                known = self.base.node(path)
            self._observed[path] = known
        return known

    def child(self, path: str) -> Node:
        """`get` for a path whose parent is known to be a directory of the view."""
        node = self.changes.get(path)
        if node is not None:
            return node
        if parent(path) in self.fresh:
            return MISSING
        return self.base.node(path)

    def names(self, path: str) -> list[str]:
        if self.get(path).kind is not Kind.DIR:
            return []
        names = set() if path in self.fresh else set(self.base.children(path))
        names.update(p.rpartition("/")[2] for p in self.touched.get(path, ()))
        return sorted(n for n in names if self.get(join(path, n)).kind is not Kind.MISSING)

    def _set(self, path: str, node: Node) -> None:
        if path in self._reachable:
            self._reachable.clear()  # what lay below may be gone: find out again
            self._reachable.add("")
        self.changes[path] = node
        up = path.rpartition("/")[0]
        touched = self.touched.get(up)
        if touched is None:
            self.touched[up] = {path}
        else:
            touched.add(path)

    def remove(self, path: str) -> None:
        self._set(path, MISSING)
        self.meta.pop(path, None)
        self.restores.pop(path, None)
        self.fresh.discard(path)

    def link(self, path: str, text: str, meta: _LinkMeta) -> None:
        self._set(path, Node(Kind.LINK, text))
        self.meta[path] = meta

    def mkdir(self, path: str, creator: str, mode: int | None = None) -> None:
        self._set(path, DIRECTORY)
        self.fresh.add(path)
        self.creator[path] = creator
        if mode is not None:
            self.modes[path] = mode

    def clear(self, path: str, conflict: Conflict) -> None:
        self.remove(path)
        self.cleared[path] = conflict

    def restore(self, path: str, op: Restore | CopyBack) -> None:
        self._set(path, _RESTORED)
        self.restores[path] = op


class _Planner:
    def __init__(
        self,
        layout: Layout,
        options: Options,
        manifest: Manifest,
        sources: Sources,
        target: TargetReader,
        protected: frozenset[str],
        backup_root: str,
        skip: bool = False,
    ) -> None:
        self.layout = layout
        self.skip = skip  # obstacles stay: plan nothing in their place
        self.backup_root = backup_root
        self.options = options
        self.manifest = manifest
        self.sources = sources
        self.view = _Overlay(target)
        self.protected = protected
        self._protected_heads = {p.partition("/")[0] for p in protected}
        # The package directory can only be reached below its first component in
        # the target (when it lies inside the target at all).
        inside = layout.dir.startswith(layout.target + "/")
        self._dir_head = layout.dir[len(layout.target) + 1 :].partition("/")[0] if inside else ""
        self.created: set[str] = set(manifest.dirs)
        self.managed: set[str] = set()  # packages this run installs or updates
        self.leaving: set[str] = set()  # packages this run removes
        self.pending: list[Orphan] = []  # backups of removed packages whose path is taken
        self.kept: set[tuple[str, str]] = set()  # (path, package): empty package directories
        self.conflicts: list[Conflict] = []
        self.notes: list[str] = []
        self._owners: dict[tuple[str, str], Owner | None] = {}

    # --- mapping -------------------------------------------------------------

    def owner(self, path: str, text: str) -> Owner | None:
        """`layout.owner`, remembered: unmanage asks about each link twice."""
        key = (path, text)
        try:
            return self._owners[key]
        except KeyError:
            found = self._owners[key] = self.layout.owner(path, text)
            return found

    def root_of(self, package: str) -> str:
        """The target path of a package's root ("" unless package-name mapping)."""
        if self.options.package_name_mapping:
            return translate_name(package, self.options.dotfiles)
        return ""

    def target_of(self, package: str, source: str) -> str:
        return target_path(
            package, source, self.options.dotfiles, self.options.package_name_mapping
        )

    def text(self, path: str, package: str, source: str) -> str:
        return self.layout.link_text(path, package, source, self.options.absolute)

    # --- manage --------------------------------------------------------------

    def manage(self, package: str) -> None:
        tree = self.sources.tree(package)
        if tree is None:
            return
        root = self.root_of(package)
        if root:
            self._node(package, tree, "", root)
        else:
            self._contents(package, tree, "", "")

    def _contents(self, package: str, entry: Entry, source: str, path: str) -> None:
        if path and not entry.children:
            # An empty package directory kept as a real directory: remember it, so
            # removing another package never removes it from under this one.
            self.kept.add((path, package))
        # Inside a directory this plan just made nothing can be in the way (and
        # nothing protected can be there): install without looking.
        fresh = path in self.view.fresh and not self.view.touched.get(path)
        step = self._install if fresh else self._node
        dotfiles = self.options.dotfiles
        for child in entry.included():
            name = translate_name(child.name, dotfiles)
            step(package, child, join(source, child.name), join(path, name))

    def _node(self, package: str, entry: Entry, source: str, path: str) -> None:
        why = self._protection(path)
        if why:
            self._conflict(package, entry, source, path, ConflictKind.PROTECTED, why, plan=False)
            return
        current = self.view.child(path) if path else self.view.get(path)
        kind = current.kind
        if kind is Kind.MISSING:
            self._install(package, entry, source, path)
        elif kind is Kind.LINK:
            self._over_link(package, entry, source, path, current)
        elif kind is Kind.DIR and entry.kind is Kind.DIR:
            self._contents(package, entry, source, path)
        else:
            clash = (kind is Kind.DIR) != (entry.kind is Kind.DIR)
            conflict = ConflictKind.TYPE_CLASH if clash else ConflictKind.EXISTING
            self._conflict(package, entry, source, path, conflict, "")

    def _install(self, package: str, entry: Entry, source: str, path: str) -> None:
        if entry.kind is Kind.DIR and not self._may_fold(entry, path):
            self.view.mkdir(path, package, entry.mode)
            self.created.add(path)
            self._contents(package, entry, source, path)
            return
        kind = Kind.DIR if entry.kind is Kind.DIR else entry.kind
        meta = _LinkMeta(package, source, kind)
        self.view.link(path, self.text(path, package, source), meta)

    def _may_fold(self, entry: Entry, path: str) -> bool:
        return (
            self.options.folding
            and entry.clean
            and path not in self.options.no_fold
            and not self.layout.contains_dir(path)
        )

    def _over_link(self, package: str, entry: Entry, source: str, path: str, current: Node) -> None:
        owner = self.owner(path, current.text)
        if owner is None:
            self._conflict(package, entry, source, path, ConflictKind.FOREIGN_LINK, current.text)
            return
        if owner.package == package and owner.source == source:
            if entry.kind is Kind.DIR and not self._may_fold(entry, path):
                # A fold dot would not make (GNU Stow's, of a directory holding
                # ignored or dot- names, or one on the no-fold list): unfold it.
                self.view.remove(path)
                self._install(package, entry, source, path)
                return
            kind = Kind.DIR if entry.kind is Kind.DIR else entry.kind
            self.view.link(path, current.text, _LinkMeta(package, source, kind))
            return
        pointed = self._source_kind(owner)
        if pointed is Kind.MISSING or owner.package == package:
            # A stale link into the package directory, or this package's own link
            # to a place it no longer has: replace it.
            self.view.remove(path)
            self._install(package, entry, source, path)
            return
        if entry.kind is Kind.DIR and pointed is Kind.DIR and owner.package:
            self._unfold(path, owner, package)
            self._contents(package, entry, source, path)
            return
        detail = owner.package or "the package directory"
        self._conflict(package, entry, source, path, ConflictKind.OTHER_PACKAGE, detail)

    def _source_kind(self, owner: Owner) -> Kind:
        """What a link into the package directory points at (OTHER when unknown)."""
        if not owner.package:
            return Kind.DIR
        return self.sources.source_kind(owner.package, owner.source)

    def _unfold(self, path: str, owner: Owner, package: str) -> None:
        """Replace another package's folded link by a directory of its entries."""
        tree = self.sources.tree(owner.package)
        folded = tree.find(owner.source) if tree is not None else None
        self.view.remove(path)
        self.view.mkdir(path, package, folded.mode if folded is not None else None)
        self.created.add(path)
        if folded is not None:
            self._contents(owner.package, folded, owner.source, path)

    # --- conflicts -----------------------------------------------------------

    def _protection(self, path: str) -> str:
        head = path.partition("/")[0]
        if head in self._protected_heads:
            for guarded in self.protected:
                if is_within(path, guarded):
                    return "dot's own state"
        if self._dir_head and head == self._dir_head and self.layout.inside_dir(path):
            return "the package directory"
        return ""

    def _conflict(
        self,
        package: str,
        entry: Entry,
        source: str,
        path: str,
        kind: ConflictKind,
        detail: str,
        *,
        plan: bool = True,
    ) -> None:
        current = self.view.get(path)
        empty = current.kind is Kind.DIR and not self.view.names(path)
        wanted = Kind.DIR if entry.kind is Kind.DIR else Kind.FILE
        # Two packages of this same run want the path: either the obstacle was
        # planned for the other one (it is not even on disk), or it is the other
        # one's own link. No policy may remove it; only `skip` gets past it.
        in_run = holds = False
        if current != self.view.observed(path):
            in_run = True
            meta = self.view.meta.get(path)
            detail = meta.package if meta is not None else self.view.creator.get(path, detail)
        elif kind is ConflictKind.OTHER_PACKAGE and detail in self.managed:
            owner = self.owner(path, current.text)
            in_run = owner is not None and self.target_of(owner.package, owner.source) == path
        elif current.kind is Kind.DIR and self._others_below(path, package):
            # Other packages have links (or this run has plans) inside this
            # directory: moving or deleting it would take them along.
            in_run = holds = True
            detail = next(iter(self._packages_below(path)), detail)
        conflict = Conflict(
            path, kind, current.kind, package, source, wanted, detail, empty, in_run, holds
        )
        self.conflicts.append(conflict)
        if plan and not in_run and not self.skip:
            self.view.clear(path, conflict)
            self._install(package, entry, source, path)

    def _others_below(self, path: str, package: str) -> bool:
        """True when anything of another package (or of this run) is at or below `path`."""
        return bool(self._packages_below(path, package))

    def _packages_below(self, path: str, package: str = "") -> list[str]:
        """Packages with planned work, kept directories or recorded links below `path`."""
        prefix = path + "/"
        found = {m.package for p, m in self.view.meta.items() if p.startswith(prefix)}
        found |= {c for p, c in self.view.creator.items() if p.startswith(prefix)}
        found |= {owner for p, owner in self.kept if p == path or p.startswith(prefix)}
        for name, record in self.manifest.packages.items():
            if name in found or name in self.leaving:
                continue
            if any(p == path or p.startswith(prefix) for p in (*record.links, *record.dirs)):
                found.add(name)
        found.discard(package)
        return sorted(found)

    # --- unmanage ------------------------------------------------------------

    def unmanage(self, package: str, restore: bool = True) -> None:
        self.leaving.add(package)
        record = self.manifest.packages.get(package)
        candidates: dict[str, None] = dict.fromkeys(record.links if record else ())
        # Every directory of the package that is a real directory in the target may
        # end up empty (an empty package directory holds no link to remove).
        affected: set[str] = set(record.dirs if record else ())
        # Links found in the directories walked count only when dangling (like
        # Stow's cleanup of invalid links); a live link of this package at a path
        # the package does not map there was made by hand, and stays.
        strays: dict[str, None] = {}
        tree = self.sources.tree(package)
        if tree is not None:
            root = self.root_of(package)
            if root:
                candidates[root] = None
                if self.view.get(root).kind is Kind.DIR:
                    affected.add(root)
                    self._collect(package, tree, root, candidates, affected, strays)
            else:
                self._collect(package, tree, "", candidates, affected, strays)
        for path in strays:
            if path not in candidates:
                current = self.view.get(path)
                owner = self.owner(path, current.text) if current.text else None
                if owner is not None and self._source_kind(owner) is Kind.MISSING:
                    candidates[path] = None
        for path in candidates:
            current = self.view.get(path)
            if current.kind is not Kind.LINK:
                continue
            owner = self.owner(path, current.text)
            if owner is not None and owner.package == package:
                self.view.remove(path)
                affected.add(parent(path))
        keep: set[str] = set()
        if restore and record is not None:
            # Directories a backup goes back into must survive the tidy-up.
            for backup in record.backups:
                if backup.origin == "target":
                    above = parent(backup.path)
                    while above:
                        keep.add(above)
                        above = parent(above)
        self._tidy(affected, keep)
        if restore and record is not None:
            self._restore(package)
            if record.adopted:
                self._copy_back(package)

    def _collect(
        self,
        package: str,
        entry: Entry,
        path: str,
        into: dict[str, None],
        dirs: set[str],
        strays: dict[str, None],
    ) -> None:
        """Paths to examine: the package's entries (into `into`), and every other link
        in the directories visited (into `strays`)."""
        for name, kind in (
            self.view.base.children(path).items() if path not in self.view.fresh else ()
        ):
            if kind is Kind.LINK:
                strays[join(path, name)] = None
        for child in entry.included():
            sub = join(path, translate_name(child.name, self.options.dotfiles))
            into[sub] = None
            if child.kind is Kind.DIR and self.view.get(sub).kind is Kind.DIR:
                dirs.add(sub)
                self._collect(package, child, sub, into, dirs, strays)

    def _restore(self, package: str) -> None:
        record = self.manifest.packages[package]
        for backup in record.backups:
            if backup.origin != "target":
                continue
            if self._free(backup.path):
                self._restore_one(package, backup.path, backup.stored)
            else:
                self.pending.append(Orphan(package, backup.path, backup.stored))

    def _free(self, path: str) -> bool:
        return (
            self.view.get(path).kind is Kind.MISSING
            and self.view.get(parent(path)).kind is Kind.DIR
        )

    def settle_orphans(self) -> tuple[Orphan, ...]:
        """Put back waiting backups whose path is free now; return those still waiting."""
        waiting: list[Orphan] = []
        for orphan in (*self.manifest.orphans, *self.pending):
            if orphan.path in self.view.restores:
                continue
            if self._free(orphan.path):
                self._restore_one(orphan.package, orphan.path, orphan.stored)
            else:
                waiting.append(orphan)
                if orphan in self.pending:
                    self.notes.append(
                        f"{orphan.path} is taken; its backup waits at {orphan.stored} "
                        "and goes back when the path is free"
                    )
        return tuple(waiting)

    def _copy_back(self, package: str) -> None:
        """Put real copies of adopted files back (after the links and dirs are gone)."""
        record = self.manifest.packages[package]
        tree = self.sources.tree(package)
        for path, source in sorted(record.adopted.items()):
            self._copy_back_one(package, tree, source, path)

    def _copy_back_one(self, package: str, tree: Entry | None, source: str, path: str) -> None:
        current = self.view.get(path)
        entry = tree.find(source) if tree is not None else None
        if entry is None:
            self.notes.append(f"the adopted {path} is gone from package {package}")
        elif current.kind is Kind.MISSING and self.view.get(parent(path)).kind is Kind.DIR:
            self.view.restore(path, CopyBack(path, package, source))
        elif current.kind is Kind.DIR and entry.kind is Kind.DIR:
            # Something else lives there now (a file the user added): merge, entry by entry.
            for name in entry.children:
                self._copy_back_one(package, tree, join(source, name), join(path, name))
        else:
            self.notes.append(f"{path} is occupied; the adopted copy stays in {package}")

    def _tidy(self, affected: set[str], keep: frozenset[str] | set[str] = frozenset()) -> None:
        """Refold or remove directories dot created that the removals changed, deepest first.

        Directories in `keep` stay as they are (a backup is about to go back into them).
        """
        heap = [(-path.count("/"), path) for path in affected if path]
        heapq.heapify(heap)
        seen: set[str] = set()
        while heap:
            _, path = heapq.heappop(heap)
            if path in seen or path not in self.created or path in keep:
                continue
            seen.add(path)
            if self.view.get(path).kind is not Kind.DIR or self.layout.contains_dir(path):
                continue
            names = self.view.names(path)
            if not names:
                if self._kept_by_another(path):
                    continue  # an installed package's own empty directory
                self.view.remove(path)
            else:
                fold = self._fold_candidate(path, names)
                if fold is None or self._kept_by_another(path, but=fold[0]):
                    continue  # (another package has this directory, empty, as its own)
                for name in names:
                    self.view.remove(join(path, name))
                self.view.remove(path)
                owner, source = fold
                meta = _LinkMeta(owner, source, Kind.DIR)
                self.view.link(path, self.text(path, owner, source), meta)
            self.created.discard(path)
            up = parent(path)
            if up:
                seen.discard(up)
                heapq.heappush(heap, (-up.count("/"), up))

    def _kept_by_another(self, path: str, but: str = "") -> bool:
        """True when a package that stays installed (other than `but`) has a real
        directory here: an empty one of its own, or one recorded as its directory."""
        if any(
            kept == path and owner not in self.leaving and owner != but for kept, owner in self.kept
        ):
            return True
        return any(
            path in record.dirs and name not in self.leaving and name != but
            for name, record in self.manifest.packages.items()
        )

    def _fold_candidate(self, path: str, names: Sequence[str]) -> tuple[str, str] | None:
        """(package, source dir) when every entry is a link into one package directory."""
        if not self.options.folding or path in self.options.no_fold:
            return None
        found: tuple[str, str] | None = None
        for name in names:
            node = self.view.get(join(path, name))
            if node.kind is not Kind.LINK:
                return None
            owner = self.owner(join(path, name), node.text)
            if owner is None or not owner.package or not owner.source:
                return None
            key = (owner.package, parent(owner.source))
            if found is None:
                found = key
            elif key != found:
                return None
        if found is None:
            return None
        package, source = found
        record = self.manifest.packages.get(package)
        if record is not None and not record.settings.folding:
            return None
        tree = self.sources.tree(package)
        entry = tree.find(source) if tree is not None else None
        if entry is None or entry.kind is not Kind.DIR or entry.ignored or not entry.clean:
            return None
        if self.target_of(package, source) != path:
            return None
        return found

    # --- remanage ------------------------------------------------------------

    def remanage(self, package: str) -> None:
        self.unmanage(package, restore=False)
        self.manage(package)
        self.leaving.discard(package)  # installed again: its directories count
        record = self.manifest.packages.get(package)
        if record is None:
            return
        # A backup of a path the package no longer links comes back.
        for backup in record.backups:
            if backup.origin == "target" and self.view.get(backup.path).kind is Kind.MISSING:
                if self.view.get(parent(backup.path)).kind is Kind.DIR:
                    self._restore_one(package, backup.path, backup.stored)
                else:
                    self.notes.append(f"the backup of {backup.path} stays at {backup.stored}")

    def _restore_one(self, package: str, path: str, stored: str) -> None:
        # Emptied backup directories are pruned up to the one holding the run's
        # directory; dot's default backup directory goes too once it is empty.
        run_dir = stored[: -len(path) - 1] if stored.endswith("/" + path) else dirname(stored)
        root = dirname(run_dir)
        if root == self.backup_root:
            root = dirname(root)
        self.view.restore(path, Restore(path, stored, package, root))

    # --- the difference ------------------------------------------------------

    def draft(self) -> Draft:
        ops: list[DraftOperation] = []
        claims: list[Claim] = []
        view = self.view
        for path in sorted(view.changes):
            final = view.changes[path]
            before = view.observed(path)
            # (kinds first: most paths change kind, and comparing them is cheapest)
            if final.kind is before.kind and final == before and path not in view.cleared:
                meta = view.meta.get(path)
                if final.kind is Kind.LINK and meta is not None:
                    claims.append(Claim(path, final.text, meta.package, meta.source, meta.kind))
                continue
            if path in view.cleared:
                ops.append(Clear(view.cleared[path]))
            elif before.kind is Kind.LINK:
                owner = self.owner(path, before.text)
                ops.append(Unlink(path, before.text, owner.package if owner else None))
            elif before.kind is Kind.DIR:
                ops.append(Rmdir(path))
            if final.kind is Kind.LINK:
                meta = view.meta[path]
                ops.append(Link(path, final.text, meta.package, meta.source, meta.kind))
            elif final.kind is Kind.DIR:
                ops.append(Mkdir(path, view.creator.get(path), view.modes.get(path)))
            elif final is _RESTORED:
                ops.append(view.restores[path])
        kept = tuple(
            (path, package)
            for path, package in sorted(self.kept)
            if package not in self.leaving or package in self.managed
            if self.view.get(path).kind is Kind.DIR
        )
        return Draft(tuple(ops), tuple(claims), tuple(self.conflicts), tuple(self.notes), kept)


def plan(
    actions: Sequence[tuple[Action, str]],
    *,
    layout: Layout,
    options: Options,
    manifest: Manifest,
    sources: Sources,
    target: TargetReader,
    protected: frozenset[str] = frozenset(),
    backup_root: str = "",
    skip: bool = False,
) -> Draft:
    """Plan `actions` in order against one overlay; return the difference as a Draft.

    `protected` are target paths dot must never touch (its own state); `backup_root`
    is the absolute path of dot's default backup directory. With `skip` (the policy
    is known to be `skip`) every obstacle stays where it is and later packages plan
    around it, which makes the result independent of the order of the packages.
    """
    planner = _Planner(layout, options, manifest, sources, target, protected, backup_root, skip)
    planner.managed = {name for action, name in actions if action is not Action.UNMANAGE}
    for action, package in actions:
        if action is Action.MANAGE:
            planner.manage(package)
        elif action is Action.UNMANAGE:
            planner.unmanage(package)
        else:
            planner.remanage(package)
    orphans = planner.settle_orphans()
    return replace(planner.draft(), orphans=orphans)
