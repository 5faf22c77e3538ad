"""`dot doctor`: find what is wrong between the manifest, the packages and the target.

Diagnosis only reads. A fix is planned with the ordinary pipeline (remanage of
packages with repairable links, unmanage of packages whose directory is gone, both
with policy `skip` so a user's file is never touched), plus removal of dangling
links into the package directory and recording of correct links nobody recorded.
A lost or corrupt manifest is rebuilt that way from the links on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from dot.choices import DEFAULT_DOCTOR_DEPTH
from dot.fs.port import FileSystem, kind_at
from dot.inspect import FoundLink, Health, link_health, walk_links
from dot.manifest import Manifest
from dot.model import Kind
from dot.paths import Layout, parent, translate, translate_name
from dot.pipeline.planner import Options
from dot.pipeline.scanner import Entry
from dot.values import field, value

DEFAULT_DEPTH = DEFAULT_DOCTOR_DEPTH


class Problem(StrEnum):
    """What doctor can find."""

    MANIFEST_CORRUPT = "manifest-corrupt"
    PACKAGE_GONE = "package-gone"
    MISSING_LINK = "missing-link"
    WRONG_LINK = "wrong-link"
    REPLACED = "replaced"
    BROKEN_LINK = "broken-link"
    DANGLING = "dangling-link"
    UNRECORDED = "unrecorded-link"
    STRAY = "stray-link"
    UNFINISHED = "unfinished-transaction"


FIXABLE = frozenset(
    {
        Problem.MANIFEST_CORRUPT,
        Problem.PACKAGE_GONE,
        Problem.MISSING_LINK,
        Problem.WRONG_LINK,
        Problem.BROKEN_LINK,
        Problem.DANGLING,
        Problem.UNRECORDED,
        Problem.UNFINISHED,
    }
)

EXPLAIN = {
    Problem.MANIFEST_CORRUPT: "the manifest cannot be read",
    Problem.PACKAGE_GONE: "the package directory is gone",
    Problem.MISSING_LINK: "a recorded link is missing",
    Problem.WRONG_LINK: "a recorded link points to the wrong place",
    Problem.REPLACED: "a recorded link was replaced by something else (left alone)",
    Problem.BROKEN_LINK: "a recorded link's source is gone from the package",
    Problem.DANGLING: "a dangling link into the package directory that no manifest records",
    Problem.UNRECORDED: "a correct link into the package directory that no manifest records",
    Problem.STRAY: "a link into the package directory that no package maps there (left alone)",
    Problem.UNFINISHED: "an interrupted run was not finished",
}


@value
class Finding:
    """One problem: what, where, which package, and a detail for humans."""

    problem: Problem
    path: str
    package: str = ""
    detail: str = ""

    @property
    def fixable(self) -> bool:
        return self.problem in FIXABLE

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.problem.value, self.path, self.package)


@value
class Diagnosis:
    """Everything doctor found, plus what the fix needs to know."""

    findings: tuple[Finding, ...]
    manifest: Manifest  # empty when it could not be read
    corrupt: bool
    found: tuple[FoundLink, ...]
    links_scanned: int = 0


@value
class FixPlan:
    """What `--fix` will do, in terms the service can execute."""

    remanage: tuple[str, ...] = ()
    unmanage: tuple[str, ...] = ()
    unlink: tuple[FoundLink, ...] = ()
    record: dict[str, tuple[FoundLink, ...]] = field(default_factory=dict)


def diagnose(
    fs: FileSystem,
    layout: Layout,
    manifest: Manifest,
    corrupt: str,
    options: Options,
    depth: int,
    package_exists: Callable[[str], bool],
    tree_of: Callable[[str], Entry | None] = lambda name: None,
) -> Diagnosis:
    """Compare manifest, packages and target; `corrupt` is the manifest error, if any."""
    findings: list[Finding] = []
    if corrupt:
        findings.append(Finding(Problem.MANIFEST_CORRUPT, "", "", corrupt))
    recorded: set[str] = set()
    for name, record in sorted(manifest.packages.items()):
        recorded.update(record.links)
        if not package_exists(name):
            findings.append(Finding(Problem.PACKAGE_GONE, layout.source_abs(name, ""), name))
            continue
        for path, entry in sorted(record.links.items()):
            health = link_health(fs, layout, name, path, entry)
            problem = _PROBLEM_OF.get(health.health)
            detail = health.actual
            if problem is Problem.WRONG_LINK:
                pointed = layout.owner(path, health.actual)
                if pointed is None or pointed.package not in ("", name):
                    # Pointed elsewhere (outside the package directory, or at another
                    # package) on purpose: the user's now, not dot's to change.
                    problem = Problem.REPLACED
                    detail = f"now -> {health.actual}"
            elif problem is Problem.REPLACED:
                detail = f"now a {'special file' if health.actual == 'other' else health.actual}"
            if problem is not None:
                findings.append(Finding(problem, path, name, detail))

    extra = frozenset(manifest.dirs) | {parent(p) for p in recorded}
    found = tuple(walk_links(fs, layout, depth, extra))
    for link in found:
        if link.path in recorded:
            continue
        owner = layout.owner(link.path, link.text)
        if owner is None:
            continue
        if kind_at(fs, layout.resolve(link.path, link.text)) is Kind.MISSING:
            findings.append(Finding(Problem.DANGLING, link.path, owner.package, link.text))
        elif (
            package_exists(owner.package)
            and _maps_to(options, owner.package, owner.source, link.path)
            and _included(tree_of(owner.package), owner.source)
        ):
            findings.append(Finding(Problem.UNRECORDED, link.path, owner.package, link.text))
        else:
            findings.append(Finding(Problem.STRAY, link.path, owner.package, link.text))
    return Diagnosis(tuple(findings), manifest, bool(corrupt), found, len(found))


_PROBLEM_OF = {
    Health.MISSING: Problem.MISSING_LINK,
    Health.WRONG: Problem.WRONG_LINK,
    Health.REPLACED: Problem.REPLACED,
    Health.BROKEN: Problem.BROKEN_LINK,
}


def _included(tree: Entry | None, source: str) -> bool:
    """True when the package has `source` and does not ignore it."""
    entry = tree.find(source) if tree is not None else None
    return entry is not None and not entry.ignored


def _maps_to(options: Options, package: str, source: str, path: str) -> bool:
    """True when `source` of `package` is mapped to `path` under the current options."""
    root = translate_name(package, options.dotfiles) if options.package_name_mapping else ""
    mapped = translate(source, options.dotfiles)
    return path == (f"{root}/{mapped}" if root and mapped else root or mapped)


def plan_fix(diagnosis: Diagnosis) -> FixPlan:
    """Turn findings into the actions `--fix` takes (only the safe ones)."""
    remanage: set[str] = set()
    unmanage: set[str] = set()
    unlink: list[FoundLink] = []
    record: dict[str, list[FoundLink]] = {}
    by_path = {link.path: link for link in diagnosis.found}
    for finding in diagnosis.findings:
        match finding.problem:
            case Problem.PACKAGE_GONE:
                unmanage.add(finding.package)
            case Problem.MISSING_LINK | Problem.WRONG_LINK | Problem.BROKEN_LINK:
                remanage.add(finding.package)
            case Problem.DANGLING:
                unlink.append(by_path[finding.path])
            case Problem.UNRECORDED:
                record.setdefault(finding.package, []).append(by_path[finding.path])
            case _:
                pass
    return FixPlan(
        tuple(sorted(remanage - unmanage)),
        tuple(sorted(unmanage)),
        tuple(unlink),
        {name: tuple(links) for name, links in sorted(record.items())},
    )


def resolved(before: Iterable[Finding], after: Iterable[Finding]) -> set[tuple[str, str, str]]:
    """Keys of findings that a fix made go away."""
    remaining = {f.key for f in after}
    return {f.key for f in before if f.key not in remaining}
