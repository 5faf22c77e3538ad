"""Result objects that commands return and the CLI renders (text, table or JSON)."""

from __future__ import annotations

from dot.doctor import Finding
from dot.inspect import Health, LinkHealth
from dot.manifest import Orphan
from dot.model import Conflict, Levels, Operation, Plan, Summary
from dot.values import field, value


@value
class CacheStats:
    """Hit and miss counts of one cache, for `-vv`."""

    name: str
    hits: int
    misses: int

    @property
    def ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


@value
class RunResult:
    """What manage, unmanage or remanage planned and (unless a dry run) did."""

    command: str
    packages: tuple[str, ...]
    plan: Plan
    levels: Levels
    dry_run: bool
    elapsed: float = 0.0
    up_to_date: tuple[str, ...] = ()  # remanage: packages found unchanged without planning
    manifest_written: bool = False
    workers: int = 1
    caches: tuple[CacheStats, ...] = field(default_factory=tuple)

    @property
    def operations(self) -> tuple[Operation, ...]:
        return self.levels.flat()

    @property
    def summary(self) -> Summary:
        return Summary.of(self.operations)

    @property
    def skipped(self) -> tuple[Conflict, ...]:
        return self.plan.skipped

    @property
    def changed(self) -> bool:
        return bool(self.operations) and not self.dry_run


@value
class PackageStatus:
    """One installed package and the health of each of its links."""

    name: str
    source: str
    installed_at: str
    updated_at: str
    present: bool  # the package directory still exists
    links: tuple[LinkHealth, ...]

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for link in self.links:
            out[link.health.value] = out.get(link.health.value, 0) + 1
        return out

    @property
    def healthy(self) -> bool:
        return self.present and all(link.health is Health.OK for link in self.links)


@value
class StatusResult:
    """`dot status`: every (or the named) installed package."""

    dir: str
    target: str
    packages: tuple[PackageStatus, ...]
    # Backups of removed packages waiting for their path to be free (all of them,
    # when no package is named).
    waiting: tuple[Orphan, ...] = ()

    @property
    def healthy(self) -> bool:
        return all(p.healthy for p in self.packages)


@value
class PackageSummary:
    """One line of `dot list`."""

    name: str
    source: str
    links: int
    installed_at: str
    updated_at: str


@value
class ListResult:
    """`dot list`: the inventory of installed packages."""

    dir: str
    target: str
    sort: str
    packages: tuple[PackageSummary, ...]


@value
class DoctorResult:
    """`dot doctor`: what was found and, with --fix, what was repaired."""

    dir: str
    target: str
    findings: tuple[Finding, ...]
    fixed: frozenset[tuple[str, str, str]]  # keys of findings the fix resolved
    fix: bool
    depth: int
    links_scanned: int
    run: RunResult | None = None  # the repair's operations, when --fix changed anything

    def is_fixed(self, finding: Finding) -> bool:
        return finding.key in self.fixed

    @property
    def remaining(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.key not in self.fixed)

    @property
    def healthy(self) -> bool:
        return not self.remaining
