"""Read-only commands: `status` and `list`. They never take the lock."""

from __future__ import annotations

from collections.abc import Sequence

from dot.errors import NotInstalled
from dot.fs.port import FileSystem, kind_at
from dot.inspect import link_health
from dot.manifest import Manifest
from dot.model import Kind
from dot.paths import Layout
from dot.results import ListResult, PackageStatus, PackageSummary, StatusResult


def status(
    fs: FileSystem, layout: Layout, manifest: Manifest, packages: Sequence[str]
) -> StatusResult:
    """The health of every link of the named (default: all) installed packages."""
    names = list(dict.fromkeys(packages)) or sorted(manifest.packages)
    absent = [name for name in names if name not in manifest.packages]
    if absent:
        raise NotInstalled(f"not installed in {layout.target}: {', '.join(absent)}")
    out = []
    for name in names:
        record = manifest.packages[name]
        present = kind_at(fs, layout.source_abs(name, "")) is not Kind.MISSING
        links = tuple(
            link_health(fs, layout, name, path, link) for path, link in sorted(record.links.items())
        )
        out.append(
            PackageStatus(
                name, record.source, record.installed_at, record.updated_at, present, links
            )
        )
    waiting = () if packages else manifest.orphans
    return StatusResult(layout.dir, layout.target, tuple(out), waiting)


def inventory(layout: Layout, manifest: Manifest, sort: str) -> ListResult:
    """Installed packages with link counts and dates, sorted by `sort`."""
    rows = [
        PackageSummary(name, rec.source, len(rec.links), rec.installed_at, rec.updated_at)
        for name, rec in manifest.packages.items()
    ]
    if sort == "links":
        rows.sort(key=lambda r: (-r.links, r.name))
    elif sort == "date":
        rows.sort(key=lambda r: (r.installed_at, r.name))
    else:
        rows.sort(key=lambda r: r.name)
    return ListResult(layout.dir, layout.target, sort, tuple(rows))
