"""Directory stamps: how `remanage` knows a package is unchanged without a full scan.

Next to the manifest dot keeps `<manifest>.stamps`, a cache written after every
run that writes the manifest. For each package it holds:

* `sources`: a digest of the listing (names and kinds) of every package directory
  the scanner entered, as the plan saw it. Any file or directory added, removed,
  renamed or retyped anywhere the scanner looks changes one of them.
* `dirs`: for every target directory holding the package's links (and every
  directory dot created for it), its inode and modification time, whether that
  stamp may be trusted, and the texts of the links in it.

A directory's modification time changes whenever an entry in it is created,
removed or renamed, and a link cannot be rewritten in place. So a target directory
with the recorded inode and time still holds the recorded links, provided the stamp
was taken after the directory's last change and in a later clock tick (the
"racily clean" case of git's index): a stamp is trusted only when the directory's
time is older than the manifest written just before the stamps were taken, on the
same filesystem. Every other directory is checked link by link with `readlink`,
which is exact. Links are read back once when the stamps are written, so a stamp
never vouches for a link dot did not see.

The file describes one manifest (its inode, size and time are recorded): it is
ignored when the manifest changed, and any defect in it only means the slow path.
Content changes made to a file in place (its directory's listing unchanged) do
not affect links; the full check, when it runs, refreshes their fingerprints.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from dot.fs.port import FileSystem, StatLike, kind_of_entry
from dot.manifest import STAMPS_SUFFIX, PackageRecord, Settings
from dot.model import KIND_VALUE, Kind
from dot.paths import Layout, parent
from dot.pipeline.planner import Options
from dot.pipeline.scanner import Entry
from dot.sha import sha256

VERSION = 1
_SEP = "\0"


class DirStamp(NamedTuple):
    """A target directory as dot left it."""

    ino: int
    mtime_ns: int
    trusted: bool  # older than the run's last write: an unchanged stamp proves the links
    links: str  # "name\0text\0name\0text..." of the package's links in it


class SourceStamp(NamedTuple):
    """A package directory as the plan saw it."""

    digest: str  # of its listing
    ino: int
    mtime_ns: int
    trusted: bool  # changed well before the scan: an unchanged stamp proves the listing


class PackageStamps(NamedTuple):
    settings: tuple[bool, bool, bool, bool, str]
    folded: tuple[str, ...]  # target paths of folded (directory) links
    sources: Mapping[str, SourceStamp]  # package-relative directory -> stamp
    dirs: Mapping[str, DirStamp]  # target-relative directory -> stamp


class Stamps(NamedTuple):
    manifest: tuple[int, int, int]  # inode, size, mtime_ns of the manifest described
    dir: str
    target: str
    kept: tuple[str, ...]  # where the manifest's backups are stored
    packages: Mapping[str, PackageStamps]


def path_for(manifest_path: str) -> str:
    """Where the stamps of the manifest at `manifest_path` are kept."""
    return manifest_path + STAMPS_SUFFIX


def manifest_key(fs: FileSystem, manifest_path: str) -> tuple[int, int, int] | None:
    """The identity of the manifest file now (inode, size, mtime_ns); None if absent."""
    try:
        st = fs.lstat(manifest_path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def settings_key(settings: Settings) -> tuple[bool, bool, bool, bool, str]:
    return (
        settings.dotfiles,
        settings.folding,
        settings.absolute,
        settings.package_name_mapping,
        settings.ignore,
    )


# --- the package side ------------------------------------------------------------


def listing_digest(items: Iterable[tuple[str, Kind]]) -> str:
    """A digest of one directory's entries (names and kinds, in name order)."""
    return _digest(sorted(items, key=_first))


def _digest(ordered: Iterable[tuple[str, Kind]]) -> str:
    code = KIND_VALUE
    text = "".join([f"{name}{_SEP}{code[kind]}\n" for name, kind in ordered])
    return sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _first(item: tuple[str, Kind]) -> str:
    return item[0]


def source_stamps(tree: Entry, before: int, device: int) -> dict[str, SourceStamp]:
    """A stamp of every directory the scanner entered, by package-relative path.

    `before` is a time on the filesystem's clock (on `device`) safely before the
    scan began: a directory changed later than that is only trusted by its listing.
    The package root is always listed again (it may be reached through a symlink).
    """
    out: dict[str, SourceStamp] = {}
    stack: list[tuple[str, Entry]] = [("", tree)]
    while stack:
        rel, node = stack.pop()
        # The scanner keeps children in name order.
        digest = _digest([(name, child.kind) for name, child in node.children.items()])
        ino, mtime, dev = node.stamp or (0, 0, -1)
        trusted = bool(rel) and dev == device and mtime < before
        out[rel] = SourceStamp(digest, ino, mtime, trusted)
        for name, child in node.children.items():
            if child.kind is Kind.DIR and not child.ignored:
                stack.append((f"{rel}/{name}" if rel else name, child))
    return out


def sources_match(fs: FileSystem, root: str, stamps: Mapping[str, SourceStamp]) -> tuple[bool, int]:
    """(every recorded package directory lists as it did, how many were listed again)."""
    read = 0
    for rel, stamp in stamps.items():
        path = f"{root}/{rel}" if rel else root
        try:
            if stamp.trusted:
                st = fs.lstat(path)
                if (
                    stat.S_ISDIR(st.st_mode)
                    and st.st_ino == stamp.ino
                    and st.st_mtime_ns == stamp.mtime_ns
                ):
                    continue
            read += 1
            items = [(item.name, kind_of_entry(item)) for item in fs.scandir(path)]
        except OSError:
            return False, read
        if listing_digest(items) != stamp.digest:
            return False, read
    return True, read


# --- the target side -------------------------------------------------------------


def covered(record: PackageRecord, tree: Entry, folding: bool, no_fold: frozenset[str]) -> bool:
    """True when `record` is exactly what planning `tree` again would keep.

    `record.files` must be the tree's files (a record built or verified this run).
    Every file link's source is a file of the tree, every folded link's source a
    directory that may still be folded there, and every file lies at or below a
    linked source. Anything else (a file skipped for a conflict, say) is left to
    the full check.
    """
    files = record.files
    linked: set[str] = set()
    for path, link in record.links.items():
        if link.kind is Kind.DIR:
            entry = tree.find(link.source)
            if (
                entry is None
                or entry.kind is not Kind.DIR
                or entry.ignored
                or not entry.clean
                or not folding
                or path in no_fold
            ):
                return False
        elif link.source not in files:
            return False
        linked.add(link.source)
    for rel in files:
        probe = rel
        while probe not in linked:
            probe = parent(probe)
            if not probe:
                return False
    return True


def stamp_dirs(
    fs: FileSystem, layout: Layout, record: PackageRecord, before: int, device: int
) -> dict[str, DirStamp] | None:
    """Stamps of the target directories of `record`, its links read back; None when
    a link or directory is not as recorded.

    `before` is a time (on the filesystem's own clock, on `device`) taken after the
    run's last write: a directory changed at or after it cannot be trusted by time.
    """
    by_dir: dict[str, list[str]] = {d: [] for d in record.dirs}
    for path, link in record.links.items():
        head, _, name = path.rpartition("/")
        by_dir.setdefault(head, []).extend((name, link.text))
    out: dict[str, DirStamp] = {}
    readlink = fs.readlink
    for directory, pairs in by_dir.items():
        full = layout.abs(directory)
        try:
            st = fs.lstat(full)
            if not stat.S_ISDIR(st.st_mode):
                return None
            names = iter(pairs)
            for name, text in zip(names, names, strict=True):
                if readlink(f"{full}/{name}") != text:
                    return None
        except OSError:
            return None
        trusted = st.st_mtime_ns < before and getattr(st, "st_dev", 0) == device
        out[directory] = DirStamp(st.st_ino, st.st_mtime_ns, trusted, _SEP.join(pairs))
    return out


def dirs_match(fs: FileSystem, layout: Layout, dirs: Mapping[str, DirStamp]) -> tuple[bool, int]:
    """(all links as recorded, how many directories needed reading link by link)."""
    read = 0
    for directory, stamp in dirs.items():
        full = layout.abs(directory)
        try:
            st = fs.lstat(full)
        except OSError:
            return False, read + 1
        if not stat.S_ISDIR(st.st_mode):
            return False, read + 1
        if _holds(st, stamp):
            continue
        read += 1
        pairs = _pairs(stamp.links)
        if pairs is None:
            return False, read
        try:
            for name, text in pairs:
                if fs.readlink(f"{full}/{name}") != text:
                    return False, read
        except OSError:
            return False, read
    return True, read


def _holds(st: StatLike, stamp: DirStamp) -> bool:
    """True when the directory `st` describes is provably as its stamp recorded it."""
    return stamp.trusted and st.st_ino == stamp.ino and st.st_mtime_ns == stamp.mtime_ns


def _pairs(links: str) -> list[tuple[str, str]] | None:
    """A stamp's links as (name, text); None when the fields do not pair up."""
    if not links:
        return []
    fields = links.split(_SEP)
    if len(fields) % 2:
        return None
    return list(zip(fields[::2], fields[1::2], strict=True))


def known_links(
    fs: FileSystem, layout: Layout, dirs: Mapping[str, DirStamp]
) -> tuple[list[tuple[str, list[tuple[str, str]]]], int]:
    """([(directory, its links as (name, text))], lstat calls made): every directory
    whose trusted stamp still matches, so its links are as recorded without reading
    them (one `lstat` per directory)."""
    found: list[tuple[str, list[tuple[str, str]]]] = []
    calls = 0
    for directory, stamp in dirs.items():
        if not stamp.trusted or not stamp.links:
            continue
        calls += 1
        try:
            st = fs.lstat(layout.abs(directory))
        except OSError:
            continue
        pairs = _pairs(stamp.links)
        if stat.S_ISDIR(st.st_mode) and _holds(st, stamp) and pairs is not None:
            found.append((directory, pairs))
    return found, calls


# --- one package -------------------------------------------------------------------


def stamp_package(
    fs: FileSystem,
    layout: Layout,
    record: PackageRecord,
    tree: Entry,
    options: Options,
    before: int,
    device: int,
    scan_before: int,
) -> PackageStamps | None:
    """Stamps of a package whose record this run built or verified from `tree`;
    None when the record is not what planning the tree again would keep, or a
    link is not as recorded. `before`: the manifest's time, written after the
    run's last change; `scan_before`: a time safely before the package was scanned.
    """
    if not covered(record, tree, options.folding, options.no_fold):
        return None
    dirs = stamp_dirs(fs, layout, record, before, device)
    if dirs is None:
        return None
    return PackageStamps(
        settings_key(record.settings),
        tuple(path for path, link in record.links.items() if link.kind is Kind.DIR),
        source_stamps(tree, scan_before, device),
        dirs,
    )


def check_package(
    fs: FileSystem,
    layout: Layout,
    name: str,
    entry: PackageStamps,
    settings: Settings,
    no_fold: frozenset[str],
) -> tuple[int, int] | None:
    """(directories trusted, directories read) when package `name` is unchanged by
    its stamps under today's `settings` and `no_fold`; None when it needs the full
    check."""
    if entry.settings != settings_key(settings):
        return None
    if any(path in no_fold for path in entry.folded):
        return None
    same, listed = sources_match(fs, layout.source_abs(name, ""), entry.sources)
    if not same:
        return None
    same, read = dirs_match(fs, layout, entry.dirs)
    if not same:
        return None
    return len(entry.sources) + len(entry.dirs) - listed - read, listed + read


# --- the file --------------------------------------------------------------------


def dumps(stamps: Stamps) -> bytes:
    doc = {
        "version": VERSION,
        "manifest": list(stamps.manifest),
        "dir": stamps.dir,
        "target": stamps.target,
        "kept": list(stamps.kept),
        "packages": {
            name: {
                "settings": list(p.settings),
                "folded": list(p.folded),
                "sources": {d: list(s) for d, s in p.sources.items()},
                "dirs": {d: list(s) for d, s in p.dirs.items()},
            }
            for name, p in stamps.packages.items()
        },
    }
    return json.dumps(doc, separators=(",", ":")).encode("utf-8", "surrogateescape")


def load(fs: FileSystem, path: str) -> Stamps | None:
    """The stamps at `path`; None when missing or unusable in any way (only a cache)."""
    try:
        doc = json.loads(fs.read_bytes(path).decode("utf-8", "surrogateescape"))
        if doc["version"] != VERSION:
            return None
        packages = {_str(name): _package(raw) for name, raw in _dict(doc["packages"]).items()}
        ino, size, mtime = doc["manifest"]
        return Stamps(
            (_int(ino), _int(size), _int(mtime)),
            _str(doc["dir"]),
            _str(doc["target"]),
            tuple(_str(k) for k in doc["kept"]),
            packages,
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _package(raw: Any) -> PackageStamps:
    settings = raw["settings"]
    if len(settings) != 5 or not all(isinstance(v, bool) for v in settings[:4]):
        raise ValueError("settings")
    dirs = {}
    for directory, (ino, mtime, trusted, links) in _dict(raw["dirs"]).items():
        dirs[_str(directory)] = DirStamp(_int(ino), _int(mtime), trusted is True, _str(links))
    return PackageStamps(
        (settings[0], settings[1], settings[2], settings[3], _str(settings[4])),
        tuple(_str(p) for p in raw["folded"]),
        {_str(k): _source(v) for k, v in _dict(raw["sources"]).items()},
        dirs,
    )


def _source(raw: Any) -> SourceStamp:
    digest, ino, mtime, trusted = raw
    return SourceStamp(_str(digest), _int(ino), _int(mtime), trusted is True)


def _dict(value: Any) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value
