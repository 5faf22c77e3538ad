"""Package file fingerprints: stat first, SHA-256 only where the stat changed."""

from __future__ import annotations

import hashlib
import stat

from dot.errors import PermissionDenied
from dot.fs.port import FileSystem
from dot.manifest import FileRecord, PackageRecord
from dot.paths import Layout
from dot.pipeline.scanner import Entry


def fingerprints(
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
            out[rel] = FileRecord(
                size, mtime, ino, mode, content_hash(fs, layout, package, rel, mode)
            )
    return out


def same_files(
    fs: FileSystem, layout: Layout, package: str, tree: Entry, record: PackageRecord
) -> bool:
    """Compare stat first; hash only files whose stat changed (like git's index)."""
    current = tree.fingerprints()
    if current.keys() != record.files.keys():
        return False
    for rel, fingerprint in current.items():
        known = record.files[rel]
        if known.same_stat(fingerprint):
            continue
        digest = content_hash(fs, layout, package, rel, fingerprint[3])
        if known.sha256 is None or known.sha256 != digest:
            return False
    return True


def content_hash(fs: FileSystem, layout: Layout, package: str, rel: str, mode: int) -> str | None:
    """SHA-256 of a regular file's content (None for links and special files)."""
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
