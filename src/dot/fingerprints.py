"""Package file fingerprints: stat first, SHA-256 only where the stat changed.

One `Hasher` serves a whole command: it reuses a recorded hash when a file's stat
is unchanged (a cache hit), computes it otherwise (a miss), and never hashes the
same file twice within the command.
"""

from __future__ import annotations

import stat

from dot.errors import PermissionDenied
from dot.fs.port import FileSystem
from dot.manifest import FileRecord, PackageRecord
from dot.paths import Layout
from dot.pipeline.scanner import Entry, Fingerprint
from dot.sha import sha256

_UNKNOWN = "\0unknown"


class Hasher:
    """Fingerprints of package files, counting reused (hits) and computed (misses) hashes."""

    def __init__(self, fs: FileSystem, layout: Layout) -> None:
        self.fs = fs
        self.layout = layout
        self.hits = 0
        self.misses = 0
        self._memo: dict[tuple[str, str, Fingerprint], str | None] = {}

    def records(
        self, package: str, tree: Entry, old: PackageRecord | None
    ) -> dict[str, FileRecord]:
        """Fingerprints of every file, with hashes reused where the stat is unchanged."""
        previous = old.files if old is not None else {}
        out: dict[str, FileRecord] = {}
        for rel, fingerprint in tree.fingerprints().items():
            known = previous.get(rel)
            if known is not None and known.same_stat(fingerprint):
                self.hits += 1
                out[rel] = known
            else:
                digest = self._memo.pop((package, rel, fingerprint), _UNKNOWN)
                if digest is _UNKNOWN:
                    self.misses += 1
                    digest = content_hash(self.fs, self.layout, package, rel, fingerprint[3])
                else:
                    self.hits += 1
                out[rel] = FileRecord(*fingerprint, digest)
        return out

    def unchanged(self, package: str, tree: Entry, record: PackageRecord) -> bool:
        """Compare stat first; hash only files whose stat changed (like git's index)."""
        current = tree.fingerprints()
        if current.keys() != record.files.keys():
            return False
        for rel, fingerprint in current.items():
            known = record.files[rel]
            if known.same_stat(fingerprint):
                self.hits += 1
                continue
            if known.sha256 is None or known.sha256 != self.digest(package, rel, fingerprint):
                return False
        return True

    def digest(self, package: str, rel: str, fingerprint: Fingerprint) -> str | None:
        """SHA-256 of a regular file's content (None for links and special files),
        remembered until `records` takes it (only comparisons need remembering:
        a plain `manage` hashes each file once and keeps nothing extra)."""
        key = (package, rel, fingerprint)
        if key in self._memo:
            self.hits += 1
            return self._memo[key]
        self.misses += 1
        value = content_hash(self.fs, self.layout, package, rel, fingerprint[3])
        self._memo[key] = value
        return value


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
    return sha256(data).hexdigest()
