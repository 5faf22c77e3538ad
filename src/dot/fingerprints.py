"""Package file fingerprints: stat first, SHA-256 only where the stat changed.

One `Hasher` serves a whole command: it reuses a recorded hash when a file's stat
is unchanged (a cache hit), computes it otherwise (a miss), and never hashes the
same file twice within the command.

The scanner does not stat files; the fingerprints are taken here, when a record
needs them. A run that records many files can `prefetch` them: a forked child
process takes the fingerprints and hashes on the second CPU while the parent goes
on planning, and hands them over through shared memory (`dot.hashworker`). The
outcome is the same as computing them in line, which is what happens whenever the
child is not worth it or fails.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dot.errors import PermissionDenied
from dot.fs.port import FileSystem
from dot.manifest import FileRecord, PackageRecord
from dot.paths import Layout
from dot.pipeline.scanner import Entry, Fingerprint
from dot.sha import sha256

if TYPE_CHECKING:
    from dot.hashworker import Item, Slot, Worker

# Below this many files to fingerprint, a background worker costs more than it saves.
PREFETCH_THRESHOLD = 2000

_UNKNOWN = "\0unknown"


class Hasher:
    """Fingerprints of package files, counting reused (hits) and computed (misses) hashes."""

    def __init__(self, fs: FileSystem, layout: Layout) -> None:
        self.fs = fs
        self.layout = layout
        self.hits = 0
        self.misses = 0
        self._memo: dict[tuple[str, str, Fingerprint], str | None] = {}
        self._prints: dict[tuple[str, str], Fingerprint | None] = {}
        self._worker: Worker | None = None
        # package -> (the tree and old record it was prefetched for, its files, its slots)
        self._batches: dict[str, tuple[Entry, PackageRecord | None, list[str], list[Slot]]] = {}
        self._planned: dict[str, tuple[Entry, PackageRecord | None, list[str]]] = {}

    # --- prefetching ---------------------------------------------------------

    def prefetch(self, work: Sequence[tuple[str, Entry, PackageRecord | None]]) -> bool:
        """Start taking the fingerprints and hashes that `records` of these packages
        will need, in the background; True when a worker started (else `records`
        computes them in line, as usual)."""
        items: list[Item] = []
        planned: dict[str, tuple[Entry, PackageRecord | None, list[str]]] = {}
        source_abs = self.layout.source_abs
        for package, tree, old in work:
            files = tree.files()
            if any(entry.fingerprint is not None for entry in files.values()):
                continue  # fingerprinted already (adopt): this package is done in line
            previous = old.files if old is not None else {}
            for rel in files:
                known = previous.get(rel)
                items.append((source_abs(package, rel), known[:4] if known else None))
            planned[package] = (tree, old, list(files))
        if len(items) < PREFETCH_THRESHOLD:
            return False  # (not even imported: small runs stay quick to start)
        from dot import hashworker

        self._worker = hashworker.start(self.fs, items)
        if self._worker is not None:
            self._planned = planned
        return self._worker is not None

    def close(self) -> None:
        """Stop a background worker whose results are no longer wanted."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()

    def _collect(self) -> None:
        worker, self._worker = self._worker, None
        assert worker is not None
        slots = worker.results()
        if slots is None:
            return  # the worker failed: everything is computed in line
        start = 0
        for package, (tree, old, rels) in self._planned.items():
            self._batches[package] = (tree, old, rels, slots[start : start + len(rels)])
            start += len(rels)
        self._planned = {}

    # --- records ---------------------------------------------------------------

    def fingerprint(self, package: str, rel: str, entry: Entry) -> Fingerprint | None:
        """The stat fingerprint of a package file (None when it is gone)."""
        if entry.fingerprint is not None:
            return entry.fingerprint
        key = (package, rel)
        if key in self._prints:
            return self._prints[key]
        try:
            st = self.fs.lstat(self.layout.source_abs(package, rel))
        except OSError:
            found: Fingerprint | None = None
        else:
            found = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)
        self._prints[key] = found
        return found

    def records(
        self, package: str, tree: Entry, old: PackageRecord | None
    ) -> dict[str, FileRecord]:
        """Fingerprints of every file, with hashes reused where the stat is unchanged.

        A file that vanished since the scan gets no record (the next remanage then
        plans the package in full, as the records differ from the tree).
        """
        if self._worker is not None:
            self._collect()
        batch = self._batches.pop(package, None)
        if batch is not None and batch[0] is tree and batch[1] is old:
            return self._from_slots(package, old, batch[2], batch[3])
        previous = old.files if old is not None else {}
        out: dict[str, FileRecord] = {}
        for rel, entry in tree.files().items():
            fingerprint = self.fingerprint(package, rel, entry)
            if fingerprint is None:
                continue
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

    def _from_slots(
        self, package: str, old: PackageRecord | None, rels: list[str], slots: list[Slot]
    ) -> dict[str, FileRecord]:
        """`records` from what the background worker found (the same outcome)."""
        from dot.hashworker import DENIED, GONE, HASHED, REUSE

        previous = old.files if old is not None else {}
        out: dict[str, FileRecord] = {}
        hits = 0
        for rel, (status, size, mtime, ino, mode, digest) in zip(rels, slots, strict=True):
            if status == HASHED:
                out[rel] = FileRecord(size, mtime, ino, mode, digest.hex())
            elif status == REUSE:
                out[rel] = previous[rel]
                hits += 1
            elif status == GONE:
                continue
            elif status == DENIED:
                path = self.layout.source_abs(package, rel)
                raise PermissionDenied(f"cannot read {path}: permission denied")
            else:
                out[rel] = FileRecord(size, mtime, ino, mode, None)
        self.hits += hits
        self.misses += len(out) - hits
        return out

    def unchanged(self, package: str, tree: Entry, record: PackageRecord) -> bool:
        """Compare stat first; hash only files whose stat changed (like git's index)."""
        current = tree.files()
        if current.keys() != record.files.keys():
            return False
        for rel, entry in current.items():
            fingerprint = self.fingerprint(package, rel, entry)
            if fingerprint is None:
                return False
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
    path = layout.source_abs(package, rel)
    try:
        data = fs.read_bytes(path)
    except PermissionError:
        raise PermissionDenied(f"cannot read {path}: permission denied") from None
    except OSError:
        return None
    return sha256(data).hexdigest()


__all__ = ["Hasher", "content_hash"]
