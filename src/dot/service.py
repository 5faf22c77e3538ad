"""The application facade: composes scanner, planner, resolver, sorter and executor.

This is the only place that knows the order of the pipeline. It reads through the
FS port, never prints and never exits; it returns result objects or raises
DotError subclasses.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from dot import manifest as manifest_io
from dot.errors import (
    DotError,
    InvalidPackageName,
    NotInstalled,
    PackageNotFound,
    PermissionDenied,
    UnsafeLayout,
    UsageError,
)
from dot.fs.port import FileSystem, kind_at
from dot.manifest import FileRecord, Manifest, PackageRecord, Settings
from dot.model import Draft, Kind, Levels, Plan, Policy, Unlink
from dot.paths import Layout, validate_package_name
from dot.pipeline.executor import Executor, Transaction
from dot.pipeline.planner import DEFAULT_NO_FOLD, Action, Options, plan
from dot.pipeline.resolver import resolve
from dot.pipeline.scanner import Entry, PackageIndex, RuleSources
from dot.pipeline.sorter import order
from dot.pipeline.target import ObservedTarget
from dot.results import RunResult

BACKUP_DIR_NAME = ".dot-backup"
TRASH_DIR_NAME = ".dot-trash"


@dataclass(frozen=True, slots=True)
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


@dataclass
class _Context:
    """What one command resolved before planning: real paths, manifest, packages."""

    layout: Layout
    manifest_path: str
    manifest: Manifest
    index: PackageIndex
    run_id: str
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

    # --- commands ------------------------------------------------------------

    def manage(self, packages: Sequence[str]) -> RunResult:
        """Install packages: create their links (Stow layout), recording them."""
        self._check_names(packages)
        return self._change("manage", packages, Action.MANAGE)

    def unmanage(self, packages: Sequence[str], *, everything: bool = False) -> RunResult:
        """Remove packages' links; refold, tidy and restore what dot backed up."""
        self._check_names(packages)
        return self._change("unmanage", packages, Action.UNMANAGE, everything=everything)

    def remanage(self, packages: Sequence[str]) -> RunResult:
        """Bring installed packages up to date, touching only what changed."""
        self._check_names(packages)
        return self._change("remanage", packages, Action.REMANAGE)

    # --- the pipeline --------------------------------------------------------

    def _change(
        self, command: str, packages: Sequence[str], action: Action, *, everything: bool = False
    ) -> RunResult:
        started = time.perf_counter()
        ctx = self._context()
        if everything:
            packages = sorted(ctx.manifest.packages)
            if not packages:  # nothing installed: nothing to do
                return self._empty_result(command, started)
        packages = list(dict.fromkeys(packages))
        self._check_packages(ctx, packages, action)
        if self.config.dry_run:
            result = self._plan_and_run(ctx, command, packages, action, started)
        else:
            with self._lock(ctx):
                # Re-read under the lock: another run may have finished meanwhile.
                ctx = self._context()
                result = self._plan_and_run(ctx, command, packages, action, started)
        return result

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
        work = packages
        if action is Action.REMANAGE:
            up_to_date = [p for p in packages if self._unchanged(ctx, p)]
            work = [p for p in packages if p not in up_to_date]
        target = ObservedTarget(self.fs, ctx.layout.target)
        draft = plan(
            [(action, name) for name in work],
            layout=ctx.layout,
            options=self.config.options,
            manifest=ctx.manifest,
            sources=ctx.index,
            target=target,
            protected=self._protected(ctx),
            backup_root=ctx.layout.abs(BACKUP_DIR_NAME),
        )
        if action is not Action.MANAGE:
            self._check_installed(ctx, work, draft)
        resolved = resolve(draft, self.config.policy, self._backup_dir(ctx))
        levels = order(resolved.operations)
        new_manifest = self._next_manifest(ctx, action, work, resolved)
        written = False
        workers = 1
        if not self.config.dry_run:
            workers, written = self._execute(ctx, levels, new_manifest)
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
        )

    def _execute(self, ctx: _Context, levels: Levels, new_manifest: Manifest) -> tuple[int, bool]:
        changed_manifest = new_manifest != ctx.manifest
        if not levels.count and not changed_manifest:
            return 1, False
        if self.on_total is not None and levels.count:
            self.on_total(levels.count)
        executor = Executor(
            self.fs,
            ctx.layout,
            jobs=self.config.jobs,
            trash=f"{ctx.layout.abs(TRASH_DIR_NAME)}/{ctx.run_id}",
            progress=self.progress,
        )
        tx = executor.run(levels)
        self._save_or_rollback(tx, ctx.manifest_path, new_manifest, changed_manifest)
        tx.commit()
        return tx.stats.workers, changed_manifest

    def _save_or_rollback(
        self, tx: Transaction, path: str, manifest: Manifest, changed: bool
    ) -> None:
        if not changed:
            return
        try:
            manifest_io.save(self.fs, path, manifest)
        except (DotError, OSError) as exc:
            problems = tx.rollback()
            detail = exc.message if isinstance(exc, DotError) else str(exc)
            suffix = (
                "; rollback was incomplete: " + "; ".join(problems)
                if problems
                else ("; every operation was rolled back")
            )
            if isinstance(exc, PermissionDenied):
                raise PermissionDenied(detail + suffix) from None
            raise DotError(f"could not write the manifest: {detail}{suffix}") from None

    # --- preparation ---------------------------------------------------------

    def _context(self) -> _Context:
        layout = self._layout()
        manifest_path = self.config.manifest or layout.abs(manifest_io.DEFAULT_NAME)
        manifest = manifest_io.load(self.fs, manifest_path, layout.dir, layout.target)
        sources = RuleSources(self.config.global_ignore, self.config.ignore, self.config.override)
        scanned: list[str] = []
        index = PackageIndex(self.fs, layout.dir, sources, self.config.dotfiles, scanned.append)
        stamp = self.now().strftime("%Y%m%dT%H%M%S.%fZ")
        return _Context(layout, manifest_path, manifest, index, stamp, scanned)

    def _layout(self) -> Layout:
        directory = self._real_dir(self.config.dir, "package directory", PackageNotFound)
        target = self._real_dir(self.config.target, "target directory", DotError)
        if target == directory or target.startswith(directory + "/"):
            raise UnsafeLayout(
                f"the target {target} is inside the package directory {directory}; "
                "links would point into themselves"
            )
        return Layout(directory, target, alias=self.config.dir.rstrip("/") or "/")

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

    def _check_packages(self, ctx: _Context, packages: Sequence[str], action: Action) -> None:
        if not packages:
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
        guarded = {manifest_io.DEFAULT_NAME, BACKUP_DIR_NAME, TRASH_DIR_NAME}
        for extra in (ctx.manifest_path, self.config.backup_dir):
            if extra and extra.startswith(target + "/"):
                guarded.add(extra[len(target) + 1 :])
        return frozenset(guarded)

    def _backup_dir(self, ctx: _Context) -> str:
        root = self.config.backup_dir or ctx.layout.abs(BACKUP_DIR_NAME)
        return f"{root.rstrip('/')}/{ctx.run_id}"

    def _lock(self, ctx: _Context):  # type: ignore[no-untyped-def]
        return self.fs.lock(ctx.layout.target, self.config.wait)

    # --- remanage's fast path ------------------------------------------------

    def _unchanged(self, ctx: _Context, package: str) -> bool:
        """True when the package and its links are exactly as recorded (no planning)."""
        record = ctx.manifest.packages.get(package)
        if record is None or record.settings != self._settings(ctx, package):
            return False
        tree = ctx.index.tree(package)
        if tree is None or not _same_files(self.fs, ctx.layout, package, tree, record):
            return False
        for path, link in record.links.items():
            try:
                if self.fs.readlink(ctx.layout.abs(path)) != link.text:
                    return False
            except OSError:
                return False
        return all(kind_at(self.fs, ctx.layout.abs(d)) is Kind.DIR for d in record.dirs)

    # --- the next manifest ---------------------------------------------------

    def _settings(self, ctx: _Context, package: str) -> Settings:
        return Settings(
            dotfiles=self.config.dotfiles,
            folding=self.config.folding,
            absolute=self.config.absolute,
            package_name_mapping=self.config.package_name_mapping,
            ignore=ctx.index.rules(package).digest,
        )

    def _next_manifest(
        self, ctx: _Context, action: Action, packages: Sequence[str], resolved: Plan
    ) -> Manifest:
        if action is Action.UNMANAGE:
            return manifest_io.apply(
                ctx.manifest, resolved.operations, resolved.claims, {}, removed=packages
            )
        stamp = self.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        touched = {op.package for op in resolved.operations if hasattr(op, "package")}
        updates: dict[str, PackageRecord] = {}
        for name in packages:
            tree = ctx.index.tree(name)
            old = ctx.manifest.packages.get(name)
            base = old or PackageRecord(name=name, installed_at=stamp, updated_at=stamp)
            files = _fingerprints(self.fs, ctx.layout, name, tree, old) if tree else {}
            updated = stamp if (name in touched or old is None) else base.updated_at
            updates[name] = replace(
                base, settings=self._settings(ctx, name), files=files, updated_at=updated
            )
        return manifest_io.apply(ctx.manifest, resolved.operations, resolved.claims, updates)


def _fingerprints(
    fs: FileSystem, layout: Layout, package: str, tree: Entry, old: PackageRecord | None
) -> dict[str, FileRecord]:
    """Stat fingerprints of every file, with hashes reused where the stat is unchanged."""
    previous = old.files if old is not None else {}
    out: dict[str, FileRecord] = {}
    for rel, (size, mtime, ino, mode) in tree.fingerprints().items():
        known = previous.get(rel)
        if known is not None and known.same_stat((size, mtime, ino, mode)):
            out[rel] = known
        else:
            out[rel] = FileRecord(size, mtime, ino, mode, _hash(fs, layout, package, rel, mode))
    return out


def _same_files(
    fs: FileSystem, layout: Layout, package: str, tree: Entry, record: PackageRecord
) -> bool:
    """Compare stat first; hash only files whose stat changed (like git's index)."""
    current = tree.fingerprints()
    if current.keys() != record.files.keys():
        return False
    for rel, stat in current.items():
        known = record.files[rel]
        if known.same_stat(stat):
            continue
        if known.sha256 is None or known.sha256 != _hash(fs, layout, package, rel, stat[3]):
            return False
    return True


def _hash(fs: FileSystem, layout: Layout, package: str, rel: str, mode: int) -> str | None:
    """SHA-256 of a regular file's content (None for links and special files)."""
    import stat

    if not stat.S_ISREG(mode):
        return None
    try:
        data = fs.read_bytes(layout.source_abs(package, rel))
    except PermissionError:
        raise PermissionDenied(
            f"cannot read {layout.source_abs(package, rel)}: permission denied"
        ) from None
    except OSError:
        return None
    return hashlib.sha256(data).hexdigest()
