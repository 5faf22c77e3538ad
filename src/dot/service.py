"""The application facade: composes scanner, planner, resolver, sorter and executor.

This is the only place that knows the order of the pipeline. It reads through the
FS port, never prints and never exits; it returns result objects or raises
DotError subclasses.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import NoReturn

from dot import adoption, queries
from dot import doctor as checkup
from dot import manifest as manifest_io
from dot import stamps as stamps_io
from dot.choices import DEFAULT_NO_FOLD
from dot.doctor import DEFAULT_DEPTH
from dot.errors import (
    DotError,
    Interrupted,
    InvalidPackageName,
    LockedError,
    ManifestError,
    NotInstalled,
    PackageNotFound,
    PermissionDenied,
    UnsafeLayout,
    UsageError,
)
from dot.fingerprints import Hasher
from dot.fs.port import FileSystem, is_temporary_of, kind_at
from dot.ignore import IgnoreRules
from dot.manifest import BackupRecord, Manifest, Orphan, PackageRecord, Settings
from dot.model import (
    Adopt,
    Backup,
    Claim,
    Delete,
    Draft,
    Kind,
    Levels,
    Link,
    Mkdir,
    Operation,
    Plan,
    Policy,
    Rmdir,
    Take,
    Unlink,
)
from dot.paths import (
    DOT_PREFIX,
    Layout,
    is_within,
    parent,
    target_path,
    translate_name,
    validate_package_name,
)
from dot.pipeline import journal as journals
from dot.pipeline.executor import (
    Executor,
    Transaction,
    deferred_interrupts,
    interrupts_as_keyboard,
    signals_blocked,
)
from dot.pipeline.journal import JOURNAL_NAME, Header, Journal
from dot.pipeline.planner import Action, Options, plan
from dot.pipeline.resolver import resolve
from dot.pipeline.scanner import Entry, PackageIndex, RuleSources, scan
from dot.pipeline.sorter import order
from dot.pipeline.target import ObservedTarget
from dot.results import CacheStats, DoctorResult, ListResult, RunResult, StatusResult
from dot.values import field, replace, value

BACKUP_DIR_NAME = ".dot-backup"
TRASH_DIR_NAME = ".dot-trash"


@value
class Config:
    """Every setting a run needs, already merged from flags, environment and config.

    Paths are absolute (the CLI expands `~`, `$VARS` and relative paths).
    """

    dir: str
    target: str
    dry_run: bool = False
    absolute: bool = False
    folding: bool = True
    dotfiles: bool = True
    package_name_mapping: bool = False
    ignore: tuple[str, ...] = ()
    override: tuple[str, ...] = ()
    policy: Policy = Policy.FAIL
    backup_dir: str | None = None
    manifest: str | None = None
    jobs: int | None = None
    wait: bool = False
    no_fold: frozenset[str] = DEFAULT_NO_FOLD
    global_ignore: str | None = None
    stow_ignore: tuple[str, ...] = ()  # GNU Stow --ignore regexes from .stowrc
    # False when `dir` is only the current directory by default: commands about
    # what is installed then use the package directory the manifest records.
    dir_given: bool = True

    @property
    def options(self) -> Options:
        return Options(
            dotfiles=self.dotfiles,
            folding=self.folding,
            absolute=self.absolute,
            package_name_mapping=self.package_name_mapping,
            no_fold=self.no_fold,
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


@value
class _Context:
    """What one command resolved before planning: real paths, manifest, packages."""

    layout: Layout
    manifest_path: str
    manifest: Manifest
    index: PackageIndex
    run_id: str
    reader: FileSystem  # the caching view used while planning (never by the executor)
    hasher: Hasher
    scanned: list[str] = field(default_factory=list)


class Dot:
    """The operations users run, over a filesystem port."""

    def __init__(
        self,
        fs: FileSystem,
        config: Config,
        *,
        now: Callable[[], datetime] = _utc_now,
        progress: Callable[[int], None] | None = None,
        on_total: Callable[[int], None] | None = None,
    ) -> None:
        self.fs = fs
        self.config = config
        self.now = now
        self.progress = progress
        self.on_total = on_total
        self.command = ""
        self.about_installed = False  # set by commands that work on what is installed
        self._views: list[ObservedTarget] = []
        self._hashers: list[Hasher] = []
        from dot.ignore import compile_stats

        self._rules0 = compile_stats()
        self._manifest_cache: tuple[tuple[object, ...], Manifest] | None = None
        self._stamp_counts: tuple[int, int] | None = None  # directory stamps: (hits, misses)
        self.notices: list[str] = []  # things the user should hear about besides the result

    # --- commands ------------------------------------------------------------

    def manage(self, packages: Sequence[str]) -> RunResult:
        """Install packages: create their links (Stow layout), recording them."""
        self._check_names(packages)
        return self._change("manage", packages, Action.MANAGE)

    def unmanage(self, packages: Sequence[str], *, everything: bool = False) -> RunResult:
        """Remove packages' links; refold, tidy and restore what dot backed up."""
        self._check_names(packages)
        self.about_installed = True
        return self._change("unmanage", packages, Action.UNMANAGE, everything=everything)

    def remanage(self, packages: Sequence[str]) -> RunResult:
        """Bring installed packages up to date, touching only what changed."""
        self._check_names(packages)
        self.about_installed = True
        return self._change("remanage", packages, Action.REMANAGE)

    def adopt(self, package: str | None, paths: Sequence[str]) -> RunResult:
        """Move existing target items into a package, then link them back."""
        if not paths:
            raise UsageError("no paths to adopt")
        if package is not None:
            self._check_names([package])
        started = time.perf_counter()
        self.command = "adopt"
        paths = list(dict.fromkeys(paths))  # the same path twice is one path
        if self.config.dry_run:
            ctx = self._context()
            self._warn_if_recovery_waits(ctx.layout)
            return self._adopt(ctx, package, paths, started)
        with self._changing():
            return self._adopt(self._context(), package, paths, started)

    def _adopt(
        self, ctx: _Context, package: str | None, paths: Sequence[str], started: float
    ) -> RunResult:
        items = [self._adoptee(ctx, raw) for raw in paths]
        for a in items:
            for b in items:
                if a is not b and is_within(b.path, a.path):
                    raise UsageError(f"{b.path} is inside {a.path}: adopt one or the other")
        name = package or adoption.derive_name(items[0].path)
        layout, options = ctx.layout, self.config.options
        root = f"{translate_name(name, options.dotfiles)}/" if options.package_name_mapping else ""
        pre: list[Operation] = []
        made: set[str] = set()

        def ensure_dir(rel: str) -> None:
            if rel in made:
                return
            if rel:
                ensure_dir(parent(rel))
            full = layout.source_abs(name, rel)
            kind = kind_at(self.fs, full)
            if kind is Kind.MISSING:
                pre.append(Mkdir(full, None))
                made.add(rel)
            elif kind is not Kind.DIR:
                raise DotError(f"cannot adopt into package {name}: {full} is not a directory")

        tree = ctx.index.tree(name)
        rules = ctx.index.rules(name)
        for item in items:
            if root and not item.path.startswith(root):
                raise UsageError(f"{item.path} is not inside {root} (--package-name-mapping)")
            source = adoption.to_source(item.path[len(root) :], options.dotfiles)
            hidden = adoption.ignored_name(rules, source, item.kind is Kind.DIR)
            if hidden:
                raise DotError(
                    f"cannot adopt {item.path}: in package {name} it would be {hidden}, which "
                    "dot ignores, so it would never be linked back (see the ignore rules)"
                )
            dest = layout.source_abs(name, source)
            if kind_at(self.fs, dest) is not Kind.MISSING:
                raise DotError(
                    f"package {name} already has {source}; to replace it with {item.path}, run "
                    f"`dot manage {name} --on-conflict adopt`"
                )
            ensure_dir(parent(source))
            tree = adoption.graft(tree, source, self._adopted_entry(ctx, item, source, rules))
            pre.append(Take(item.path, name, source, dest))
        assert tree is not None  # at least one item was grafted
        sources = adoption.WithAdopted(ctx.index, name, tree)
        view = adoption.Without(
            ObservedTarget(self.fs, layout.target), frozenset(i.path for i in items)
        )
        draft = plan(
            [(Action.MANAGE, name)],
            layout=layout,
            options=options,
            manifest=ctx.manifest,
            sources=sources,
            target=view,
            protected=self._protected(ctx),
            backup_root=layout.abs(BACKUP_DIR_NAME),
            skip=self.config.policy is Policy.SKIP,
        )
        resolved = resolve(draft, self.config.policy, self._backup_dir(ctx))
        full = replace(resolved, operations=(*pre, *resolved.operations))
        updates = self._records(ctx, [name], full, trees={name: tree})
        if name not in ctx.manifest.packages:
            updates[name] = replace(updates[name], source="adopted")
        new_manifest = manifest_io.apply(
            ctx.manifest,
            full.operations,
            full.claims,
            updates,
            kept=full.kept,
            orphans=full.orphans,
        )
        levels = order(full.operations)
        workers, written = 1, False
        if not self.config.dry_run:
            workers, written = self._execute(ctx, levels, new_manifest)
        return RunResult(
            command="adopt",
            packages=(name,),
            plan=full,
            levels=levels,
            dry_run=self.config.dry_run,
            elapsed=time.perf_counter() - started,
            manifest_written=written,
            workers=workers,
            caches=self.cache_stats(),
        )

    def _adoptee(self, ctx: _Context, raw: str) -> adoption.Adoptee:
        """Check one path given to adopt; return where it is relative to the target."""
        layout = ctx.layout
        head, tail = posixpath.split(raw.rstrip("/") or "/")
        full = posixpath.join(self.fs.realpath(head or "/"), tail)
        if full == layout.dir or full.startswith(layout.dir + "/"):
            raise DotError(f"{raw} is inside the package directory {layout.dir}")
        if not full.startswith(layout.target + "/"):
            raise DotError(f"{raw} is not inside the target {layout.target}")
        rel = full[len(layout.target) + 1 :]
        kind = kind_at(self.fs, full)
        if kind is Kind.MISSING:
            raise DotError(f"nothing to adopt at {raw}: no such file or directory")
        if kind is Kind.OTHER:
            raise DotError(f"cannot adopt {raw}: not a file, directory or symlink")
        if any(is_within(rel, guarded) for guarded in self._protected(ctx)):
            raise DotError(f"cannot adopt {raw}: it is dot's own state")
        if layout.contains_dir(rel):
            raise DotError(f"cannot adopt {raw}: it contains the package directory")
        if kind is Kind.LINK:
            owner = layout.owner(rel, self.fs.readlink(full))
            if owner is not None:
                which = f" (package {owner.package})" if owner.package else ""
                raise DotError(f"{raw} is already a link into the package directory{which}")
        return adoption.Adoptee(rel, "", kind)

    def _adopted_entry(
        self, ctx: _Context, item: adoption.Adoptee, source: str, rules: IgnoreRules
    ) -> Entry:
        full = ctx.layout.abs(item.path)
        if item.kind is not Kind.DIR:
            st = self.fs.lstat(full)
            kind = Kind.LINK if item.kind is Kind.LINK else Kind.FILE
            return Entry(source, kind, (st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode))
        entry = scan(self.fs, full, rules, self.config.dotfiles, prefix=source, fingerprints=True)
        ignored = adoption.ignored_inside(entry, source)
        if ignored:
            listed = ", ".join(ignored[:5]) + (", ..." if len(ignored) > 5 else "")
            raise DotError(
                f"cannot adopt {item.path}: it holds entries dot ignores ({listed}); they would "
                "move into the package without being linked back. Remove them first, or adopt "
                "the other entries one by one"
            )
        translated = [
            rel
            for rel, e in entry.walk(source)
            if self.config.dotfiles and e.name.startswith(DOT_PREFIX) and len(e.name) > 4
        ]
        if translated:
            raise DotError(
                f"cannot adopt {item.path}: {translated[0]} starts with 'dot-', which dot would "
                "translate to '.' (use --no-dotfiles)"
            )
        return entry

    def status(self, packages: Sequence[str]) -> StatusResult:
        """Health of every link of the named (default: all) installed packages."""
        self._check_names(packages)
        self.about_installed = True
        layout = self._layout()
        self._recover_if_idle(layout)
        return queries.status(self.fs, layout, self._manifest(layout), packages)

    def inventory(self, sort: str = "name") -> ListResult:
        """Installed packages with link counts and dates."""
        self.about_installed = True
        layout = self._layout()
        self._recover_if_idle(layout)
        return queries.inventory(layout, self._manifest(layout), sort)

    def doctor(self, *, fix: bool = False, depth: int = DEFAULT_DEPTH) -> DoctorResult:
        """Diagnose; with `fix`, repair what is safe and diagnose again."""
        self.about_installed = True
        started = time.perf_counter()
        ctx, diagnosis = self._diagnose(depth)
        fixable = [f for f in diagnosis.findings if f.fixable]
        if not fix or (not fixable and not self.config.dry_run):
            return self._doctor_result(ctx, diagnosis, frozenset(), fix, depth, None)
        if self.config.dry_run:
            run = self._repair(ctx, diagnosis, started)
            return self._doctor_result(ctx, diagnosis, frozenset(), fix, depth, run)
        self.command = "doctor --fix"
        with self._changing():  # recovers an interrupted run first
            ctx, current = self._diagnose(depth)  # again, under the lock
            run = self._repair(ctx, current, started)
        _, after = self._diagnose(depth)
        fixed = frozenset(checkup.resolved(diagnosis.findings, after.findings))
        return self._doctor_result(ctx, diagnosis, fixed, fix, depth, run)

    def _doctor_result(
        self,
        ctx: _Context,
        diagnosis: checkup.Diagnosis,
        fixed: frozenset[tuple[str, str, str]],
        fix: bool,
        depth: int,
        run: RunResult | None,
    ) -> DoctorResult:
        return DoctorResult(
            ctx.layout.dir,
            ctx.layout.target,
            diagnosis.findings,
            fixed,
            fix,
            depth,
            diagnosis.links_scanned,
            run,
        )

    def _diagnose(self, depth: int) -> tuple[_Context, checkup.Diagnosis]:
        layout = self._layout()
        corrupt = ""
        try:
            ctx = self._context(layout)
        except ManifestError as exc:
            corrupt = exc.message.removesuffix(f"; {manifest_io.REBUILD_HINT}")
            ctx = self._context(layout, Manifest(layout.dir, layout.target))
        diagnosis = checkup.diagnose(
            ctx.reader,
            layout,
            ctx.manifest,
            corrupt,
            self.config.options,
            depth,
            ctx.index.exists,
            ctx.index.tree,
        )
        header = self.pending_recovery(layout)
        if header is not None:
            unfinished = checkup.Finding(
                checkup.Problem.UNFINISHED,
                self._journal_at(layout),
                "",
                f"{header.command or 'a run'} {header.run}".strip(),
            )
            diagnosis = replace(diagnosis, findings=(unfinished, *diagnosis.findings))
        return ctx, diagnosis

    def _repair(self, ctx: _Context, diagnosis: checkup.Diagnosis, started: float) -> RunResult:
        """Plan and (unless a dry run) apply the safe fixes as one transaction."""
        fix = checkup.plan_fix(diagnosis)
        actions = [(Action.REMANAGE, p) for p in fix.remanage]
        actions += [(Action.UNMANAGE, p) for p in fix.unmanage]
        draft = self._plan(ctx, actions, Policy.SKIP)
        resolved = resolve(draft, Policy.SKIP, self._backup_dir(ctx))
        operations: list[Operation] = list(resolved.operations)
        taken = {op.path for op in operations}
        for link in fix.unlink:
            if link.path not in taken:
                owner = ctx.layout.owner(link.path, link.text)
                operations.append(Unlink(link.path, link.text, owner.package if owner else None))
        claims = list(resolved.claims)
        fresh: dict[str, PackageRecord] = {}
        # Rebuilding from nothing (the manifest lost or corrupt): its copy, if any,
        # knows what the links cannot tell.
        copy = None
        if fix.record and not ctx.manifest.packages:
            copy = manifest_io.load_copy(
                self.fs, ctx.manifest_path, ctx.layout.dir, ctx.layout.target
            )
        for name, links in fix.record.items():
            for link in links:
                owner = ctx.layout.owner(link.path, link.text)
                assert owner is not None
                kind = kind_at(self.fs, ctx.layout.source_abs(name, owner.source))
                kind = Kind.DIR if kind is Kind.DIR else Kind.FILE
                claims.append(Claim(link.path, link.text, name, owner.source, kind))
            if name not in ctx.manifest.packages:
                old = copy.packages.get(name) if copy is not None else None
                fresh[name] = self._rebuilt_record(ctx, name, [link.path for link in links], old)
        plan_ = Plan(tuple(operations), tuple(claims), resolved.skipped, (), resolved.notes)
        updates = self._records(ctx, fix.remanage, plan_)
        updates.update(fresh)
        new_manifest = manifest_io.apply(
            ctx.manifest,
            plan_.operations,
            plan_.claims,
            updates,
            removed=fix.unmanage,
            kept=resolved.kept,
            orphans=resolved.orphans,
        )
        if copy is not None:
            new_manifest = replace(
                new_manifest,
                dirs=new_manifest.dirs | {d for d in copy.dirs if self._is_dir(ctx, d)},
                orphans=(
                    *new_manifest.orphans,
                    *(o for o in copy.orphans if o not in new_manifest.orphans and self._kept(o)),
                ),
            )
        levels = order(plan_.operations)
        written, workers = False, 1
        if not self.config.dry_run:
            if diagnosis.corrupt:
                self._keep_corrupt(ctx)
            workers, written = self._execute(ctx, levels, new_manifest, force=diagnosis.corrupt)
        packages = tuple(dict.fromkeys([*fix.remanage, *fix.unmanage, *fix.record]))
        return RunResult(
            command="doctor --fix",
            packages=packages,
            plan=plan_,
            levels=levels,
            dry_run=self.config.dry_run,
            elapsed=time.perf_counter() - started,
            manifest_written=written,
            workers=workers,
            caches=self.cache_stats(),
        )

    def _rebuilt_record(
        self, ctx: _Context, name: str, paths: Sequence[str], old: PackageRecord | None = None
    ) -> PackageRecord:
        """A record for links found on disk: dated by the links themselves.

        With `old` (the package's record in the manifest's copy), what links cannot
        tell comes from it, where it still holds: adopted paths among the links found,
        backups still stored, directories still there, and the recorded dates.
        """
        times = link_times(self.fs, ctx.layout, paths) or (_iso(self.now()), _iso(self.now()))
        tree = ctx.index.tree(name)
        files = ctx.hasher.records(name, tree, None) if tree else {}
        record = PackageRecord(
            name=name,
            installed_at=times[0],
            updated_at=times[1],
            settings=self._settings(ctx, name),
            files=files,
            shape=tree.shape() if tree else "",
        )
        if old is None:
            return record
        found = set(paths)

        def covered(path: str) -> bool:
            return any(path == link or path.startswith(link + "/") for link in found)

        return replace(
            record,
            source=old.source,
            installed_at=old.installed_at or record.installed_at,
            updated_at=old.updated_at or record.updated_at,
            adopted={path: source for path, source in old.adopted.items() if covered(path)},
            backups=tuple(b for b in old.backups if self._kept(b)),
            dirs=frozenset(d for d in old.dirs if self._is_dir(ctx, d)),
        )

    def _is_dir(self, ctx: _Context, path: str) -> bool:
        try:
            return kind_at(self.fs, ctx.layout.abs(path)) is Kind.DIR
        except OSError:
            return False

    def _kept(self, backup: BackupRecord | Orphan) -> bool:
        """True when a backup's stored copy is still there (or cannot be looked at:
        unreadable is not gone, and restoring it will say what is wrong)."""
        return self._still_there(backup.stored)

    def _still_there(self, path: str) -> bool:
        try:
            return kind_at(self.fs, path) is not Kind.MISSING
        except OSError:
            return True

    def _keep_corrupt(self, ctx: _Context) -> None:
        """Keep the unreadable manifest's bytes next to it before it is replaced."""
        try:
            data = self.fs.read_bytes(ctx.manifest_path)
        except OSError:
            return
        self.fs.write_atomic(f"{ctx.manifest_path}.corrupt-{ctx.run_id}", data)

    # --- the pipeline --------------------------------------------------------

    def _change(
        self, command: str, packages: Sequence[str], action: Action, *, everything: bool = False
    ) -> RunResult:
        started = time.perf_counter()
        self.command = command
        if action is Action.REMANAGE and packages:
            quick = self._remanage_by_stamps(list(dict.fromkeys(packages)), started)
            if quick is not None:
                return quick
        ctx = self._without_lost_backups(self._context())
        if everything:
            packages = sorted(ctx.manifest.packages)
            if not packages and not ctx.manifest.orphans:  # nothing installed: nothing to do
                return self._empty_result(command, started)
        packages = list(dict.fromkeys(packages))
        self._check_packages(ctx, packages, action, everything=everything)
        if self.config.dry_run:
            self._warn_if_recovery_waits(ctx.layout)
            result = self._plan_and_run(ctx, command, packages, action, started)
        else:
            with self._changing():
                # Re-read under the lock: another run may have finished meanwhile.
                ctx = self._without_lost_backups(self._context())
                try:
                    result = self._plan_and_run(ctx, command, packages, action, started)
                finally:
                    ctx.hasher.close()  # a background worker nobody collected (a conflict)
        return result

    def _without_lost_backups(self, ctx: _Context) -> _Context:
        """Forget backups whose stored copy is gone (deleted by hand, say): there is
        nothing to put back, and trying would fail every later run."""
        manifest = ctx.manifest

        gone: list[tuple[str, str, str]] = []
        packages = dict(manifest.packages)
        for name, record in manifest.packages.items():
            missing = [b for b in record.backups if b.origin == "target" and not self._kept(b)]
            if missing:
                packages[name] = replace(
                    record, backups=tuple(b for b in record.backups if b not in missing)
                )
                gone += [(name, b.path, b.stored) for b in missing]
        orphans = tuple(o for o in manifest.orphans if self._kept(o))
        gone += [(o.package, o.path, o.stored) for o in manifest.orphans if o not in orphans]
        if not gone:
            return ctx
        for package, path, stored in gone:
            notice = (
                f"the backup of {path} (package {package}) is gone from {stored}; "
                "there is nothing to put back, so dot forgets it"
            )
            if notice not in self.notices:  # the context is read twice (again under the lock)
                self.notices.append(notice)
        return replace(ctx, manifest=replace(manifest, packages=packages, orphans=orphans))

    def _empty_result(self, command: str, started: float) -> RunResult:
        return RunResult(
            command=command,
            packages=(),
            plan=Plan(()),
            levels=Levels(()),
            dry_run=self.config.dry_run,
            elapsed=time.perf_counter() - started,
        )

    def _plan_and_run(
        self, ctx: _Context, command: str, packages: list[str], action: Action, started: float
    ) -> RunResult:
        up_to_date: list[str] = []
        vouched: list[str] = []  # up to date by their directory stamps alone
        work = packages
        stamps = None
        stamps_read = action is not Action.MANAGE  # (manage has no links to learn from them)
        if stamps_read:
            stamps = self._valid_stamps(ctx.layout, ctx.manifest_path)
        if action is Action.REMANAGE:
            if stamps is not None:
                vouched = [p for p in packages if self._vouched(ctx.layout, stamps, ctx.index, p)]
            up_to_date = [p for p in packages if p in vouched or self._unchanged(ctx, p)]
            work = [p for p in packages if p not in up_to_date]
        if action is not Action.UNMANAGE and not self.config.dry_run:
            self._prefetch(ctx, work)
        draft = self._plan(ctx, [(action, name) for name in work], self.config.policy, stamps)
        if action is not Action.MANAGE:
            self._check_installed(ctx, work, draft)
        resolved = resolve(draft, self.config.policy, self._backup_dir(ctx))
        levels = order(resolved.operations)
        written = False
        workers = 1
        if not self.config.dry_run:  # a dry run neither hashes nor records anything
            new_manifest = self._next_manifest(ctx, action, work, resolved)
            # Packages whose records this run built or verified against a fresh scan.
            # (Packages vouched for by their stamps keep those: they were not scanned.)
            fresh = () if action is Action.UNMANAGE else (*work, *up_to_date)
            fresh = tuple(p for p in fresh if p not in vouched)
            workers, written = self._execute(
                ctx, levels, new_manifest, fresh=fresh, stamps=stamps, stamps_read=stamps_read
            )
        return RunResult(
            command=command,
            packages=tuple(packages),
            plan=resolved,
            levels=levels,
            dry_run=self.config.dry_run,
            elapsed=time.perf_counter() - started,
            up_to_date=tuple(up_to_date),
            manifest_written=written,
            workers=workers,
            caches=self.cache_stats(),
        )

    def _prefetch(self, ctx: _Context, packages: Sequence[str]) -> None:
        """Scan the packages now (planning would, first thing) and let the hasher take
        their fingerprints and hashes in the background while the plan is made."""
        work = []
        for name in packages:
            tree = ctx.index.tree(name)
            if tree is not None:
                work.append((name, tree, ctx.manifest.packages.get(name)))
        ctx.hasher.prefetch(work)

    def _plan(
        self,
        ctx: _Context,
        actions: Sequence[tuple[Action, str]],
        policy: Policy,
        stamps: stamps_io.Stamps | None = None,
    ) -> Draft:
        view = self._view(ctx)
        if stamps is not None:
            # The links of the packages planned, where their directory stamps vouch
            # for them: known without a readlink each (the executor still reads every
            # link it removes, just before removing it).
            for _, name in actions:
                entry = stamps.packages.get(name)
                if entry is not None:
                    known, calls = stamps_io.known_links(self.fs, ctx.layout, entry.dirs)
                    view.checked(calls)
                    for directory, links in known:
                        view.seed(directory, links)
        return plan(
            actions,
            layout=ctx.layout,
            options=self.config.options,
            manifest=ctx.manifest,
            sources=ctx.index,
            target=view,
            protected=self._protected(ctx),
            backup_root=ctx.layout.abs(BACKUP_DIR_NAME),
            skip=policy is Policy.SKIP,
        )

    def _view(self, ctx: _Context) -> ObservedTarget:
        view = ObservedTarget(ctx.reader, ctx.layout.target)
        self._views.append(view)
        return view

    def _execute(
        self,
        ctx: _Context,
        levels: Levels,
        new_manifest: Manifest,
        *,
        force: bool = False,
        fresh: Sequence[str] = (),
        stamps: stamps_io.Stamps | None = None,
        stamps_read: bool = False,
    ) -> tuple[int, bool]:
        """Run the plan as one transaction: journal, execute, write the manifest.

        Any failure or interrupt before the manifest is written rolls everything
        back in-process; a crash leaves the journal for the next run to recover.
        """
        changed_manifest = force or new_manifest != ctx.manifest
        if not levels.count and not changed_manifest:
            return 1, False
        if self.on_total is not None and levels.count:
            self.on_total(levels.count)
        trash = f"{ctx.layout.abs(TRASH_DIR_NAME)}/{ctx.run_id}"
        self._check_writable(ctx, levels, trash)
        journal = Journal(self.fs, self._journal_path(ctx)) if levels.count else None
        executor = Executor(
            self.fs,
            ctx.layout,
            jobs=self.config.jobs,
            trash=trash,
            progress=self.progress,
        )
        tx = executor.begin()
        # From here until the run is committed or undone, SIGINT and SIGTERM only set
        # `stop`: the executor stops between operations and rolls back; once it has
        # finished, the signal waits until the commit is written.
        with deferred_interrupts() as stop:
            try:
                if journal is not None:
                    self._begin_journal(journal, ctx, levels, trash)
                executor.run(levels, tx, stop)
            except (DotError, OSError, KeyboardInterrupt) as exc:
                if tx.rolled_back or not tx.done:  # undone already, or nothing was done
                    self._forget(journal)
                    if isinstance(exc, KeyboardInterrupt):
                        raise Interrupted(
                            "interrupted before any change; nothing was changed"
                        ) from None
                    raise
                self._fail_after_execution(tx, journal, exc)
            # The stamps of the manifest this run replaces: untouched packages keep theirs.
            # (`stamps`, when `stamps_read`: the caller read them under this same lock)
            previous = stamps if stamps_read else None
            if changed_manifest and not stamps_read:
                previous = self._valid_stamps(ctx.layout, ctx.manifest_path)
            try:
                new_manifest = self._stamp(ctx, tx, replace(new_manifest, run=ctx.run_id))
                if changed_manifest and not new_manifest.is_empty:
                    manifest_io.save(self.fs, ctx.manifest_path, new_manifest)  # the commit
                    with contextlib.suppress(OSError):
                        if journal is not None:
                            journal.commit("write")
                else:
                    # No manifest to carry the run's id: the journal's record commits.
                    if journal is not None:
                        journal.commit("delete" if changed_manifest else "keep")
                    if changed_manifest:
                        manifest_io.save(self.fs, ctx.manifest_path, new_manifest)
            except (DotError, OSError) as exc:
                self._fail_after_execution(tx, journal, exc)
            tx.commit()
            # Before the journal goes: a run killed while writing the stamps is then
            # finished by the next one, which also removes the half-written file.
            if changed_manifest and not new_manifest.is_empty:
                self._save_stamps(ctx, new_manifest, previous, fresh)
            self._forget(journal)
        return tx.stats.workers, changed_manifest

    def _begin_journal(self, journal: Journal, ctx: _Context, levels: Levels, trash: str) -> None:
        try:
            journal.begin(self._header(ctx, levels, trash))
        except OSError as exc:
            message = f"could not write the journal {journal.path}: {exc.strerror or exc}"
            if isinstance(exc, PermissionError):
                raise PermissionDenied(f"{message}; nothing was changed") from None
            raise DotError(f"{message}; nothing was changed") from None

    def _check_writable(self, ctx: _Context, levels: Levels, trash: str) -> None:
        """Exit 4 naming the directory before anything changes, where it can be known."""
        layout = ctx.layout
        operations = levels.flat()
        made = {layout.abs(op.path) for op in operations if type(op) is Mkdir}
        places = {posixpath.dirname(ctx.manifest_path)}
        parents: set[str] = set()  # target-relative ("" is the target itself)
        for op in operations:
            path = op.path
            if path[:1] == "/":
                places.add(posixpath.dirname(path))
            else:
                parents.add(path.rpartition("/")[0])
            if type(op) in (Link, Unlink, Mkdir, Rmdir):  # nothing else to check
                continue
            if isinstance(op, Backup):
                places.add(posixpath.dirname(op.dest))
            elif isinstance(op, Delete):
                places.add(posixpath.dirname(f"{trash}/{op.path}"))
            elif isinstance(op, Take):
                places.add(posixpath.dirname(op.dest))
            elif isinstance(op, Adopt):
                places.add(posixpath.dirname(op.stash))
                places.add(posixpath.dirname(layout.source_abs(op.package, op.source)))
        places.update(layout.abs(p) for p in parents)
        checked: set[str] = set()
        for place in sorted(places):
            while place not in made and place != "/" and kind_at(self.fs, place) is Kind.MISSING:
                place = posixpath.dirname(place)  # created by the run: its parent must be writable
            if place in made or place in checked:
                continue
            checked.add(place)
            if not self.fs.writable(place):
                raise PermissionDenied(
                    f"cannot write to {place}: permission denied; nothing was changed"
                )

    def _header(self, ctx: _Context, levels: Levels, trash: str) -> Header:
        roots = [ctx.layout.abs(TRASH_DIR_NAME), ctx.layout.abs(BACKUP_DIR_NAME)]
        if self.config.backup_dir:
            roots.append(self.config.backup_dir)
        made = tuple(r for r in roots if kind_at(self.fs, r) is Kind.MISSING)
        operations = levels.flat()
        modes: list[tuple[int, int]] = []
        for index, op in enumerate(operations):
            if isinstance(op, Rmdir):  # its mode, for a rollback after a crash
                with contextlib.suppress(OSError):
                    st = self.fs.lstat(ctx.layout.abs(op.path))
                    modes.append((index, stat.S_IMODE(st.st_mode)))
        return Header(
            run=ctx.run_id,
            command=self.command,
            dir=ctx.layout.dir,
            target=ctx.layout.target,
            trash=trash,
            backups=self._backup_dir(ctx),
            made=made,
            operations=operations,
            modes=tuple(modes),
        )

    def _forget(self, journal: Journal | None) -> None:
        if journal is not None:
            with contextlib.suppress(OSError):
                journal.finish()

    def _fail_after_execution(
        self, tx: Transaction, journal: Journal | None, exc: BaseException
    ) -> NoReturn:
        """The manifest could not be written (or the user interrupted): undo the run."""
        with signals_blocked():
            problems = tx.rollback()
        if not problems:
            self._forget(journal)
        suffix = (
            "; rollback was incomplete: " + "; ".join(problems)
            if problems
            else "; every completed operation was rolled back, nothing was changed"
        )
        if isinstance(exc, KeyboardInterrupt):
            raise Interrupted("interrupted" + suffix) from None
        detail = exc.message if isinstance(exc, DotError) else str(exc)
        if isinstance(exc, PermissionDenied):
            raise PermissionDenied(detail + suffix) from None
        raise DotError(f"could not write the manifest: {detail}{suffix}") from None

    def _stamp(self, ctx: _Context, tx: Transaction, manifest: Manifest) -> Manifest:
        """Date records by their links: a package's install time is its first link's.

        The links carry the same times on disk, so `doctor --fix` can rebuild a lost
        manifest with the very same dates.
        """
        first: dict[str, str] = {}
        last: dict[str, str] = {}
        for done in tx.done:
            op = done.op
            if isinstance(op, Link) and op.package in manifest.packages:
                first.setdefault(op.package, op.path)
                last[op.package] = op.path
        if not first:
            return manifest
        packages = dict(manifest.packages)
        for name, path in first.items():
            record = packages[name]
            times = link_times(self.fs, ctx.layout, (path, last[name]))
            if times is None:
                continue
            fresh = name not in ctx.manifest.packages
            packages[name] = replace(
                record,
                installed_at=times[0] if fresh else record.installed_at,
                updated_at=times[1],
            )
        return replace(manifest, packages=packages)

    # --- preparation ---------------------------------------------------------

    def _manifest_path(self, layout: Layout) -> str:
        return self.config.manifest or layout.abs(manifest_io.DEFAULT_NAME)

    def _manifest(self, layout: Layout) -> Manifest:
        """The manifest; parsed once per command unless the file changed meanwhile."""
        path = self._manifest_path(layout)
        try:
            st = self.fs.lstat(path)
            key: tuple[object, ...] = (path, st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            key = (path, None)
        cached = self._manifest_cache
        if cached is not None and cached[0] == key and key[1] is not None:
            return cached[1]
        manifest = manifest_io.load(self.fs, path, layout.dir, layout.target)
        self._manifest_cache = (key, manifest)
        return manifest

    def _context(self, layout: Layout | None = None, manifest: Manifest | None = None) -> _Context:
        layout = layout or self._layout()
        manifest_path = self._manifest_path(layout)
        if manifest is None:
            manifest = self._manifest(layout)
        scanned: list[str] = []
        # Planning reads through the target view's and the package index's own
        # caches; a stat cache below them (dot.fs.cached) showed no consistent gain, so the
        # port is used directly (see docs/Performance-Guide.md).
        reader = self.fs
        index = self._index(layout, scanned.append)
        # Unique even for two runs within one clock tick: recovery tells runs apart by it.
        stamp = f"{self.now().strftime('%Y%m%dT%H%M%S.%fZ')}-{os.urandom(3).hex()}"
        hasher = Hasher(reader, layout)
        self._hashers.append(hasher)
        return _Context(layout, manifest_path, manifest, index, stamp, reader, hasher, scanned)

    def _index(self, layout: Layout, on_scan: Callable[[str], None] | None = None) -> PackageIndex:
        sources = RuleSources(
            self.config.global_ignore,
            self.config.ignore,
            self.config.override,
            stow_ignore=self.config.stow_ignore,
        )
        return PackageIndex(self.fs, layout.dir, sources, self.config.dotfiles, on_scan)

    def cache_stats(self) -> tuple[CacheStats, ...]:
        """Hits and misses of the caches this command used (for `-vv`)."""
        from dot.ignore import compile_stats

        view_hits = sum(v.hits for v in self._views)
        view_misses = sum(v.syscalls for v in self._views)
        hash_hits = sum(h.hits for h in self._hashers)
        hash_misses = sum(h.misses for h in self._hashers)
        rule_hits, rule_misses = compile_stats()
        stats: tuple[CacheStats, ...] = (
            CacheStats("target view", view_hits, view_misses),
            CacheStats("content hash", hash_hits, hash_misses),
            CacheStats(
                "ignore patterns", rule_hits - self._rules0[0], rule_misses - self._rules0[1]
            ),
        )
        if self._stamp_counts is not None:
            stats += (CacheStats("directory stamps", *self._stamp_counts),)
        return stats

    def _layout(self) -> Layout:
        target = self._real_dir(self.config.target, "target directory", DotError)
        given = self.config.dir
        if not self.config.dir_given and self.about_installed:
            given = self._recorded_dir(target) or given
        directory = self._real_dir(given, "package directory", PackageNotFound)
        if target == directory or target.startswith(directory + "/"):
            raise UnsafeLayout(
                f"the target {target} is inside the package directory {directory}; "
                "links would point into themselves"
            )
        return Layout(directory, target, alias=given.rstrip("/") or "/")

    def _recorded_dir(self, target: str) -> str | None:
        """The package directory the target's manifest records, if it still exists."""
        path = self.config.manifest or f"{target}/{manifest_io.DEFAULT_NAME}"
        recorded = manifest_io.recorded_dir(self.fs, path)
        if recorded and kind_at(self.fs, recorded) is Kind.DIR:
            return recorded
        return None

    def _real_dir(self, path: str, what: str, error: type[DotError]) -> str:
        real = self.fs.realpath(path)
        kind = kind_at(self.fs, real)
        if kind is Kind.MISSING:
            raise error(f"{what} {path} does not exist")
        if kind is not Kind.DIR:
            raise error(f"{what} {path} is not a directory")
        return real

    def _check_names(self, packages: Iterable[str]) -> None:
        for name in packages:
            problem = validate_package_name(name)
            if problem is not None:
                raise InvalidPackageName(problem)

    def _check_packages(
        self, ctx: _Context, packages: Sequence[str], action: Action, *, everything: bool = False
    ) -> None:
        if not packages and not everything:
            raise UsageError("no packages given")
        if action is Action.MANAGE:
            ctx.index.require(packages)
            return
        # unmanage and remanage may work from the manifest when a package dir is gone.
        missing = [
            p for p in packages if p not in ctx.manifest.packages and not ctx.index.exists(p)
        ]
        if missing:
            ctx.index.require(missing)
        if action is Action.REMANAGE:
            gone = [p for p in packages if not ctx.index.exists(p)]
            if gone:
                ctx.index.require(gone)

    def _check_installed(self, ctx: _Context, packages: Sequence[str], draft: Draft) -> None:
        """A package is installed when recorded, or when links of it are on disk (Stow's)."""
        owners = {op.package for op in draft.operations if isinstance(op, Unlink)}
        owners |= {claim.package for claim in draft.claims}
        absent = [p for p in packages if p not in ctx.manifest.packages and p not in owners]
        if absent:
            listed = ", ".join(absent)
            raise NotInstalled(f"not installed in {ctx.layout.target}: {listed}")

    def _protected(self, ctx: _Context) -> frozenset[str]:
        target = ctx.layout.target
        guarded = {manifest_io.DEFAULT_NAME, BACKUP_DIR_NAME, TRASH_DIR_NAME, JOURNAL_NAME}
        guarded.add(manifest_io.copy_path(manifest_io.DEFAULT_NAME))
        guarded.add(stamps_io.path_for(manifest_io.DEFAULT_NAME))
        copy = manifest_io.copy_path(ctx.manifest_path)
        stamps = stamps_io.path_for(ctx.manifest_path)
        extras = (ctx.manifest_path, copy, stamps, self.config.backup_dir, self._journal_path(ctx))
        for extra in extras:
            if extra and extra.startswith(target + "/"):
                guarded.add(extra[len(target) + 1 :])
        return frozenset(guarded)

    def _backup_dir(self, ctx: _Context) -> str:
        root = self.config.backup_dir or ctx.layout.abs(BACKUP_DIR_NAME)
        return f"{root.rstrip('/')}/{ctx.run_id}"

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        """Hold the target's lock; first finish or roll back any interrupted run."""
        layout = self._layout()
        with interrupts_as_keyboard(), self.fs.lock(layout.target, self.config.wait):
            self._recover(layout)
            try:
                yield
            except KeyboardInterrupt:  # before execution began: nothing to undo
                raise Interrupted("interrupted before any change; nothing was changed") from None

    def _journal_path(self, ctx: _Context) -> str:
        return self._journal_at(ctx.layout)

    def _journal_at(self, layout: Layout) -> str:
        return posixpath.join(posixpath.dirname(self._manifest_path(layout)), JOURNAL_NAME)

    def pending_recovery(self, layout: Layout) -> journals.Header | None:
        """The header of an interrupted run's journal, if one is waiting."""
        return journals.read(self.fs, self._journal_at(layout))

    def _recover_if_idle(self, layout: Layout) -> None:
        """For read-only commands: recover an interrupted run, but never wait for a lock.

        If another dot holds the lock, its journal is a run in progress, not an
        interrupted one; the command then shows the target as it is.
        """
        header = self.pending_recovery(layout)
        if header is None:
            return
        if self.config.dry_run:
            self._warn_if_recovery_waits(layout)
            return
        try:
            with self.fs.lock(layout.target, False):
                self._recover(layout)
        except LockedError:
            self.notices.append(
                "another dot run is in progress; this shows the target as it is now"
            )

    def _warn_if_recovery_waits(self, layout: Layout) -> None:
        """A dry run writes nothing, so it cannot recover; it says a recovery waits."""
        if self.pending_recovery(layout) is not None:
            self.notices.append(
                "an interrupted run is waiting to be rolled back; run a command without "
                "--dry-run (or `dot doctor --fix`) to recover it; this plan shows the "
                "target as it is now"
            )

    def _recover(self, layout: Layout) -> None:
        """Under the lock: finish or undo an interrupted run, and remove what a run
        killed mid-write left of dot's state files."""
        self._discard_temporaries(layout)
        path = self._journal_at(layout)
        header = journals.read(self.fs, path)
        if header is None:
            return
        committed = False
        if header.run:
            with contextlib.suppress(ManifestError):
                committed = self._manifest(layout).run == header.run
        with signals_blocked():
            recovery = journals.recover(
                self.fs, path, header, layout, committed, self._manifest_path(layout)
            )
        self.notices.append(recovery.describe())
        if recovery.problems:
            raise DotError(f"{recovery.describe()}; the journal is kept at {path}")

    def _discard_temporaries(self, layout: Layout) -> None:
        """Remove the temporary files of dot's state files that a killed run left
        (a write of the manifest, its copy or its stamps cut short)."""
        path = self._manifest_path(layout)
        directory, base = posixpath.split(path)
        copy, stamps = manifest_io.copy_path(path), stamps_io.path_for(path)
        names = (base, posixpath.basename(copy), posixpath.basename(stamps))
        try:
            leftovers = [
                entry.path
                for entry in self.fs.scandir(directory)
                if entry.name.startswith(".") and any(is_temporary_of(entry.name, n) for n in names)
            ]
        except OSError:
            return
        for leftover in leftovers:
            with contextlib.suppress(OSError):
                self.fs.unlink(leftover)

    # --- remanage's fast path ------------------------------------------------

    def _unchanged(self, ctx: _Context, package: str) -> bool:
        """True when the package and its links are exactly as recorded (no planning).

        Same settings, same tree shape (ignored entries and directories included),
        same file fingerprints; every recorded link still reads as recorded, points
        at something the package has, and may still be folded where it is folded;
        every package file lies at or below a recorded link.
        """
        record = ctx.manifest.packages.get(package)
        if record is None or record.settings != self._settings(ctx, package):
            return False
        tree = ctx.index.tree(package)
        if tree is None or not record.shape or tree.shape() != record.shape:
            return False
        if not ctx.hasher.unchanged(package, tree, record):
            return False
        options = self.config.options
        reader = ctx.reader
        links = record.links
        for path, link in links.items():
            entry = tree.find(link.source)
            if entry is None or entry.ignored:
                return False
            if link.kind is Kind.DIR and (
                not options.folding or not entry.clean or path in options.no_fold
            ):
                return False
            try:
                if reader.readlink(ctx.layout.abs(path)) != link.text:
                    return False
            except OSError:
                return False
        for rel in tree.files():
            path = target_path(package, rel, options.dotfiles, options.package_name_mapping)
            while path and path not in links:
                path = path.rpartition("/")[0]
            if not path:
                return False  # a file no recorded link covers (skipped, or removed by hand)
        return all(kind_at(reader, ctx.layout.abs(d)) is Kind.DIR for d in record.dirs)

    # --- remanage's quick path: directory stamps (dot.stamps) ------------------

    def _remanage_by_stamps(self, packages: list[str], started: float) -> RunResult | None:
        """The result when every package is unchanged by its stamps, else None (plan).

        Reads no manifest and scans no file: package directory listings and target
        directory stamps (links read back only where a directory changed).
        """
        if self.config.dry_run:
            layout = self._layout()
            if self.pending_recovery(layout) is not None:
                return None
            return self._stamped(layout, packages, started)
        with self._changing():  # the lock, and recovery of an interrupted run
            return self._stamped(self._layout(), packages, started)

    def _stamped(self, layout: Layout, packages: list[str], started: float) -> RunResult | None:
        stamps = self._valid_stamps(layout, self._manifest_path(layout))
        if stamps is None or not all(self._still_there(stored) for stored in stamps.kept):
            return None
        index = self._index(layout)
        if not all(self._vouched(layout, stamps, index, name) for name in packages):
            self._stamp_counts = None  # the full path counts again
            return None
        return RunResult(
            command=self.command,
            packages=tuple(packages),
            plan=Plan(()),
            levels=Levels(()),
            dry_run=self.config.dry_run,
            elapsed=time.perf_counter() - started,
            up_to_date=tuple(packages),
            caches=self.cache_stats(),
        )

    def _valid_stamps(self, layout: Layout, manifest_path: str) -> stamps_io.Stamps | None:
        """The stamps of the manifest file there now, for this layout; else None."""
        stamps = stamps_io.load(self.fs, stamps_io.path_for(manifest_path))
        if (
            stamps is None
            or (stamps.dir, stamps.target) != (layout.dir, layout.target)
            or stamps_io.manifest_key(self.fs, manifest_path) != stamps.manifest
        ):
            return None
        return stamps

    def _vouched(
        self, layout: Layout, stamps: stamps_io.Stamps, index: PackageIndex, name: str
    ) -> bool:
        """True when the stamps show package `name` unchanged (counted for `-vv`)."""
        entry = stamps.packages.get(name)
        if entry is None or not index.exists(name):
            return False
        settings = self._settings_in(index, name)
        counts = stamps_io.check_package(
            self.fs, layout, name, entry, settings, self.config.no_fold
        )
        if counts is None:
            return False
        hits, misses = self._stamp_counts or (0, 0)  # of the packages vouched for
        self._stamp_counts = (hits + counts[0], misses + counts[1])
        return True

    def _save_stamps(
        self,
        ctx: _Context,
        manifest: Manifest,
        previous: stamps_io.Stamps | None,
        fresh: Sequence[str],
    ) -> None:
        """Stamp the packages this run scanned; keep the stamps of untouched records.

        Only a cache: any failure leaves no stamps file, and remanage plans instead.
        """
        path = stamps_io.path_for(ctx.manifest_path)
        try:
            st = self.fs.lstat(ctx.manifest_path)
            before, device = st.st_mtime_ns, getattr(st, "st_dev", 0)
            options = self.config.options
            packages: dict[str, stamps_io.PackageStamps] = {}
            for name, record in manifest.packages.items():
                tree = ctx.index.tree(name) if name in fresh else None
                if tree is not None:
                    # Trust package directories changed 2 s (coarse clocks) before
                    # the scan began, on this filesystem's clock.
                    began = time.monotonic() - ctx.index.scanned_at.get(name, 0.0)
                    scan_before = before - int(began * 1e9) - 2_000_000_000
                    entry = stamps_io.stamp_package(
                        self.fs, ctx.layout, record, tree, options, before, device, scan_before
                    )
                    if entry is not None:
                        packages[name] = entry
                elif previous is not None and name in previous.packages:
                    old = ctx.manifest.packages.get(name)
                    if old is record or old == record:
                        packages[name] = previous.packages[name]
            if not packages:
                return
            kept = [o.stored for o in manifest.orphans]
            for record in manifest.packages.values():
                kept += [b.stored for b in record.backups if b.origin == "target"]
            key = (st.st_ino, st.st_size, st.st_mtime_ns)
            stamps = stamps_io.Stamps(key, ctx.layout.dir, ctx.layout.target, tuple(kept), packages)
            self.fs.write_atomic(path, stamps_io.dumps(stamps))
        except OSError:
            with contextlib.suppress(OSError):
                self.fs.unlink(path)

    # --- the next manifest ---------------------------------------------------

    def _settings(self, ctx: _Context, package: str) -> Settings:
        return self._settings_in(ctx.index, package)

    def _settings_in(self, index: PackageIndex, package: str) -> Settings:
        return Settings(
            dotfiles=self.config.dotfiles,
            folding=self.config.folding,
            absolute=self.config.absolute,
            package_name_mapping=self.config.package_name_mapping,
            ignore=index.rules(package).digest,
        )

    def _next_manifest(
        self, ctx: _Context, action: Action, packages: Sequence[str], resolved: Plan
    ) -> Manifest:
        if action is Action.UNMANAGE:
            return manifest_io.apply(
                ctx.manifest,
                resolved.operations,
                resolved.claims,
                {},
                removed=packages,
                kept=resolved.kept,
                orphans=resolved.orphans,
            )
        updates = self._records(ctx, packages, resolved)
        return manifest_io.apply(
            ctx.manifest,
            resolved.operations,
            resolved.claims,
            updates,
            kept=resolved.kept,
            orphans=resolved.orphans,
        )

    def _records(
        self,
        ctx: _Context,
        packages: Iterable[str],
        resolved: Plan,
        trees: Mapping[str, Entry | None] | None = None,
    ) -> dict[str, PackageRecord]:
        """Fresh records (settings, fingerprints, times) for packages a run installs."""
        stamp = _iso(self.now())
        # A package's update time is that of its newest link (what a rebuilt
        # manifest can read back from the links), so only new links move it.
        touched = {op.package for op in resolved.operations if isinstance(op, Link)}
        updates: dict[str, PackageRecord] = {}
        for name in packages:
            tree = trees[name] if trees and name in trees else ctx.index.tree(name)
            old = ctx.manifest.packages.get(name)
            base = old or PackageRecord(name=name, installed_at=stamp, updated_at=stamp)
            files = ctx.hasher.records(name, tree, old) if tree else {}
            updated = stamp if (name in touched or old is None) else base.updated_at
            updates[name] = replace(
                base,
                settings=self._settings(ctx, name),
                files=files,
                updated_at=updated,
                shape=tree.shape() if tree else "",
            )
        return updates


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_from_ns(ns: int) -> str:
    """An ISO-8601 UTC time, to the second, from nanoseconds since the epoch."""
    return _iso(datetime.fromtimestamp(ns // 1_000_000_000, UTC))


def link_times(fs: FileSystem, layout: Layout, paths: Iterable[str]) -> tuple[str, str] | None:
    """(earliest, latest) modification time of the links at `paths`, None if none exist."""
    times = []
    for path in paths:
        try:
            times.append(fs.lstat(layout.abs(path)).st_mtime_ns)
        except OSError:
            continue
    if not times:
        return None
    return iso_from_ns(min(times)), iso_from_ns(max(times))
