"""Result objects that commands return and the CLI renders (text, table or JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dot.model import Conflict, Levels, Operation, Plan, Summary


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Hit and miss counts of one cache, for `-vv`."""

    name: str
    hits: int
    misses: int

    @property
    def ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


@dataclass(frozen=True, slots=True)
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
