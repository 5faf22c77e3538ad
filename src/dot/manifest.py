"""The manifest: what dot installed, per package, stored as JSON next to the target.

Everything read from disk is validated before use: a corrupt file, an unknown
version, or a path that escapes the target is a ManifestError, never a traceback.
Updates are pure (`apply`), writes are atomic (temp file, fsync, rename).
"""

from __future__ import annotations

import contextlib
import functools
import json
import posixpath
from collections.abc import Collection, Iterable, Mapping
from json.encoder import encode_basestring_ascii as _string
from typing import Any, NamedTuple

from dot.errors import DotError, ManifestError, PermissionDenied
from dot.fs.port import FileSystem
from dot.model import (
    KIND_VALUE,
    Adopt,
    Backup,
    Claim,
    CopyBack,
    Delete,
    Kind,
    Link,
    Mkdir,
    Operation,
    Restore,
    Rmdir,
    Take,
    Unlink,
)
from dot.paths import validate_package_name
from dot.values import field, replace, value

VERSION = 1
DEFAULT_NAME = ".dot-manifest.json"
# A second copy of the manifest, written after it: what the links on disk cannot
# tell (adopted files, backups, directories dot created, install times) survives the
# loss of the manifest, and `dot doctor --fix` uses it when rebuilding.
COPY_SUFFIX = ".copy"
# remanage's directory stamps (dot.stamps), a cache describing one manifest file.
STAMPS_SUFFIX = ".stamps"
REBUILD_HINT = "`dot doctor --fix` rebuilds it from the links on disk and keeps this file aside"


class LinkRecord(NamedTuple):
    """A link dot made (or recognised): its text, its source and what it stands for.

    A NamedTuple, not a dataclass: manifests hold tens of thousands of these, and
    tuples are cheaper to make and to compare.
    """

    text: str
    source: str
    kind: Kind


class FileRecord(NamedTuple):
    """A package file's stat fingerprint and, when computed, its SHA-256."""

    size: int
    mtime_ns: int
    ino: int
    mode: int
    sha256: str | None = None

    def same_stat(self, other: tuple[int, int, int, int]) -> bool:
        return self[:4] == other


@value
class BackupRecord:
    """A file dot moved away; `origin` is "target" (restore on unmanage) or "package"."""

    path: str
    stored: str
    origin: str = "target"


@value
class Orphan:
    """A backup whose package was unmanaged while its path was taken (by another
    package's directory); it goes back as soon as the path is free."""

    package: str
    path: str
    stored: str


@value
class Settings:
    """The mapping options a package was installed with."""

    dotfiles: bool = True
    folding: bool = True
    absolute: bool = False
    package_name_mapping: bool = False
    ignore: str = ""  # digest of the ignore rules in effect


@value
class PackageRecord:
    """Everything dot knows about one installed package."""

    name: str
    source: str = "managed"  # or "adopted"
    installed_at: str = ""
    updated_at: str = ""
    settings: Settings = field(default_factory=Settings)
    links: Mapping[str, LinkRecord] = field(default_factory=dict)
    dirs: frozenset[str] = frozenset()
    backups: tuple[BackupRecord, ...] = ()
    adopted: Mapping[str, str] = field(default_factory=dict)  # target path -> package source
    files: Mapping[str, FileRecord] = field(default_factory=dict)
    shape: str = ""  # digest of the package tree when last installed (Entry.shape)


@value
class Manifest:
    """The whole manifest of one target."""

    dir: str
    target: str
    packages: Mapping[str, PackageRecord] = field(default_factory=dict)
    dirs: frozenset[str] = frozenset()  # every directory dot created that still exists
    run: str = ""  # the id of the run that last wrote it (recovery checks it)
    orphans: tuple[Orphan, ...] = ()  # backups waiting for their path to be free

    @property
    def is_empty(self) -> bool:
        return not self.packages and not self.dirs and not self.orphans

    def owner_of_link(self, path: str) -> str | None:
        """The package whose record lists a link at `path`."""
        for name, record in self.packages.items():
            if path in record.links:
                return name
        return None


# --- applying a plan -----------------------------------------------------------


def apply(
    manifest: Manifest,
    operations: Iterable[Operation],
    claims: Iterable[Claim],
    updates: Mapping[str, PackageRecord],
    removed: Iterable[str] = (),
    kept: Iterable[tuple[str, str]] = (),
    orphans: tuple[Orphan, ...] | None = None,
) -> Manifest:
    """The manifest after `operations` ran, `claims` were accepted and records replaced.

    `updates` are fresh records for the packages a command worked on (their links
    are merged in from the operations); `removed` packages are dropped.
    """
    records: dict[str, PackageRecord] = dict(manifest.packages)
    records.update(updates)
    links = {name: dict(rec.links) for name, rec in records.items()}
    dirs = {name: set(rec.dirs) for name, rec in records.items()}
    created = set(manifest.dirs)
    backups = {name: list(rec.backups) for name, rec in records.items()}
    adopted = {name: dict(rec.adopted) for name, rec in records.items()}

    owner = {path: name for name, table in links.items() for path in table}

    def drop_link(path: str) -> None:
        name = owner.pop(path, None)
        if name is not None:
            links[name].pop(path, None)

    def add_link(name: str, path: str, record: LinkRecord) -> None:
        drop_link(path)
        if name in links:
            links[name][path] = record
            owner[path] = name

    for op in operations:
        match op:
            case Link(path=path, text=text, package=pkg, source=src, kind=kind):
                add_link(pkg, path, LinkRecord(text, src, kind))
            case Unlink(path=path):
                drop_link(path)
            case Mkdir(path=path, package=pkg) if pkg is not None:
                created.add(path)
                if pkg in dirs:
                    dirs[pkg].add(path)
            case Rmdir(path=path):
                created.discard(path)
                for table in dirs.values():
                    table.discard(path)
            case Delete(path=path) | Backup(path=path) | Adopt(path=path):
                drop_link(path)
                if isinstance(op, Backup) and op.package in backups:
                    backups[op.package].append(BackupRecord(path, op.dest, "target"))
                if isinstance(op, Adopt) and op.package in backups:
                    backups[op.package].append(BackupRecord(op.source, op.stash, "package"))
                    adopted[op.package][path] = op.source
            case Take(path=path, package=pkg):
                drop_link(path)
                if pkg in adopted:
                    adopted[pkg][path] = op.source
            case Restore(path=path, package=pkg) if pkg in backups:
                backups[pkg] = [b for b in backups[pkg] if b.path != path or b.origin != "target"]
            case CopyBack(path=path, package=pkg) if pkg in adopted:
                adopted[pkg].pop(path, None)
            case Mkdir() | Restore() | CopyBack():
                pass
    for path, package in kept:  # empty package directories the package keeps
        if package in dirs:
            dirs[package].add(path)
    for claim in claims:
        add_link(claim.package, claim.path, LinkRecord(claim.text, claim.source, claim.kind))

    gone = set(removed)
    packages = {
        name: replace(
            rec,
            links=links[name],
            dirs=frozenset(dirs[name]),
            backups=tuple(backups[name]),
            adopted=adopted[name],
        )
        for name, rec in records.items()
        if name not in gone
    }
    if orphans is None:
        orphans = manifest.orphans
    return replace(manifest, packages=packages, dirs=frozenset(created), orphans=orphans)


# --- JSON ----------------------------------------------------------------------


def dumps(manifest: Manifest) -> bytes:
    """Serialise compactly with sorted keys, so equal manifests give equal bytes.

    The same bytes as `json.dumps(doc, sort_keys=True, separators=(",", ":"))` of the
    whole document, but encoded one package at a time: the full document never exists
    as one dict and one string at once, which halves the peak memory of a large save.
    """
    compact = _encoder().encode
    orphans = [{"package": o.package, "path": o.path, "stored": o.stored} for o in manifest.orphans]
    chunks = [
        f'{{"dir":{compact(manifest.dir)},"dirs":{compact(sorted(manifest.dirs))},'
        f'"orphans":{compact(orphans)},"packages":{{'.encode()
    ]
    for i, (name, rec) in enumerate(sorted(manifest.packages.items())):
        comma = "," if i else ""
        chunks.append(f"{comma}{compact(name)}:{_dump_record(rec)}".encode())
    chunks.append(
        f'}},"run":{compact(manifest.run)},"target":{compact(manifest.target)},'
        f'"version":{compact(VERSION)}}}\n'.encode()
    )
    return b"".join(chunks)


@functools.cache
def _encoder() -> json.JSONEncoder:
    return json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def _dump_record(rec: PackageRecord) -> str:
    """One record as compact JSON with sorted keys (what `json.dumps` would write).

    Links and file fingerprints, tens of thousands in a large record, are written
    as text here, with the string encoder `json.dumps` itself uses: building a dict
    per link only to have the encoder sort and walk it took twice as long.
    """
    string = _string
    kinds = KIND_VALUE
    links = ",".join(
        [
            f'{string(path)}:{{"kind":"{kinds[link.kind]}","source":{string(link.source)},'
            f'"text":{string(link.text)}}}'
            for path, link in sorted(rec.links.items())
        ]
    )
    files = ",".join(
        [
            f"{string(path)}:[{f.size},{f.mtime_ns},{f.ino},{f.mode},"
            f"{'null' if f.sha256 is None else string(f.sha256)}]"
            for path, f in sorted(rec.files.items())
        ]
    )
    rest = _encoder().encode(
        {
            "source": rec.source,
            "installed_at": rec.installed_at,
            "updated_at": rec.updated_at,
            "settings": {
                "dotfiles": rec.settings.dotfiles,
                "folding": rec.settings.folding,
                "absolute": rec.settings.absolute,
                "package_name_mapping": rec.settings.package_name_mapping,
                "ignore": rec.settings.ignore,
            },
            "dirs": sorted(rec.dirs),
            "backups": [
                {"path": b.path, "stored": b.stored, "origin": b.origin} for b in rec.backups
            ],
            "adopted": dict(sorted(rec.adopted.items())),
            "files": None,
            "links": None,
            "shape": rec.shape,
        }
    )
    # Splice the two tables in at their placeholders. The first '"files":null' is the
    # placeholder: inside an encoded string every quote is escaped, and the keys
    # before it (adopted paths) have strings for values, never null.
    head, _, tail = rest.partition('"files":null')
    middle, _, end = tail.partition('"links":null')
    return f'{head}"files":{{{files}}}{middle}"links":{{{links}}}{end}'


def loads(data: bytes, where: str) -> Manifest:
    """Parse and validate a manifest; every defect is a ManifestError naming `where`."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"manifest {where} is not valid JSON ({exc}); {REBUILD_HINT}") from None
    try:
        return _parse(doc)
    except _Invalid as exc:
        # Paths and names in the message come from the file: show control characters
        # escaped, so the error stays one line.
        reason = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(exc))
        raise ManifestError(f"manifest {where} is corrupt: {reason}; {REBUILD_HINT}") from None


class _Invalid(Exception):
    pass


def _want(value: object, kind: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and kind in (int, (int,)):
        raise _Invalid(f"{what} must be a number")
    if not isinstance(value, kind):
        raise _Invalid(f"{what} has the wrong type")
    return value


def _rel_path(value: object, what: str, *, allow_root: bool = False) -> str:
    path: str = _want(value, str, what)
    if not path and allow_root:
        return path
    if (
        not path
        or path.startswith(("/", "../"))
        or path == ".."
        or "\0" in path
        or posixpath.normpath(path) != path
    ):
        raise _Invalid(f"{what} {path!r} is not a clean path inside the target")
    return path


def _parse(raw: object) -> Manifest:
    doc: dict[str, Any] = _want(raw, dict, "the document")
    version = doc.get("version")
    if version != VERSION:
        raise _Invalid(f"unknown version {version!r} (this dot reads version {VERSION})")
    directory: str = _want(doc.get("dir"), str, "dir")
    target: str = _want(doc.get("target"), str, "target")
    if not directory.startswith("/") or not target.startswith("/"):
        raise _Invalid("dir and target must be absolute paths")
    packages: dict[str, PackageRecord] = {}
    for name, raw in _want(doc.get("packages"), dict, "packages").items():
        problem = validate_package_name(name)
        if problem is not None:
            raise _Invalid(problem)
        packages[name] = _parse_record(name, _want(raw, dict, f"package {name}"))
    dirs = frozenset(_rel_path(d, "dirs entry") for d in _want(doc.get("dirs"), list, "dirs"))
    run: str = _want(doc.get("run", ""), str, "run")
    orphans = []
    for item in _want(doc.get("orphans", []), list, "orphans"):
        item = _want(item, dict, "orphan")
        stored = _want(item.get("stored"), str, "orphan stored")
        if not stored.startswith("/") or posixpath.normpath(stored) != stored:
            raise _Invalid(f"orphan backup location {stored!r} is not a clean absolute path")
        owner = _want(item.get("package"), str, "orphan package")
        problem = validate_package_name(owner)
        if problem is not None:
            raise _Invalid(problem)
        orphans.append(Orphan(owner, _rel_path(item.get("path"), "orphan path"), stored))
    return Manifest(directory, target, packages, dirs, run, tuple(orphans))


_KINDS = {k.value: k for k in (Kind.FILE, Kind.DIR, Kind.LINK, Kind.OTHER)}


def _slow_link(where: str, path: str, link: object) -> LinkRecord:
    """Validate one link record field by field, for a precise error message."""
    _rel_path(path, f"{where} link")
    checked: dict[str, Any] = _want(link, dict, f"{where} link {path}")
    kind = _want(checked.get("kind"), str, f"{where} link {path} kind")
    if kind not in _KINDS:
        raise _Invalid(f"{where} link {path} has unknown kind {kind!r}")
    return LinkRecord(
        _want(checked.get("text"), str, f"{where} link {path} text"),
        _rel_path(checked.get("source"), f"{where} link {path} source", allow_root=True),
        _KINDS[kind],
    )


def _all_clean(paths: Collection[str]) -> bool:
    """True when every path is clean: relative, with components that are neither
    empty, "." nor "..", and no NUL; four substring searches in all of them at once
    (a manifest holds tens of thousands of paths). Joined by "/", the paths keep
    every component whole (a path's first and last component meet the neighbours'
    at a "/"), and an empty path, an empty component or a leading or trailing "/"
    becomes "//" somewhere."""
    if not paths:
        return True
    framed = "/" + "/".join(paths) + "/"
    return (
        "//" not in framed and "/./" not in framed and "/../" not in framed and "\0" not in framed
    )


def _quick_links(raw: dict[str, Any]) -> dict[str, LinkRecord] | None:
    """The links of a record when all are plainly valid, else None (check precisely).

    Tens of thousands of links: types per link, paths all at once."""
    links: dict[str, LinkRecord] = {}
    origins: list[str] = []
    kinds = _KINDS
    for path, link in raw.items():
        if type(link) is not dict:
            return None
        text, origin, kind = link.get("text"), link.get("source"), link.get("kind")
        if type(text) is not str or type(origin) is not str or type(kind) is not str:
            return None
        known = kinds.get(kind)
        if known is None:
            return None
        links[path] = LinkRecord(text, origin, known)
        if origin:  # (the package root is "")
            origins.append(origin)
    if not _all_clean(links) or not _all_clean(origins):
        return None
    return links


def _quick_files(raw: dict[str, Any]) -> dict[str, FileRecord] | None:
    """The file fingerprints of a record when all are plainly valid, else None."""
    files: dict[str, FileRecord] = {}
    for path, values in raw.items():
        if (
            type(values) is list
            and len(values) == 5
            and type(values[0]) is int
            and type(values[1]) is int
            and type(values[2]) is int
            and type(values[3]) is int
            and (values[4] is None or type(values[4]) is str)
        ):
            files[path] = FileRecord(*values)
        else:
            return None
    if not _all_clean(files):
        return None
    return files


def _links(where: str, raw: dict[str, Any]) -> dict[str, LinkRecord]:
    """The links of a record, each validated with a precise message (for a record
    `_quick_links` found something odd in)."""
    return {path: _slow_link(where, path, link) for path, link in raw.items()}


def _files(where: str, raw: dict[str, Any]) -> dict[str, FileRecord]:
    """The file fingerprints of a record, each validated with a precise message."""
    files: dict[str, FileRecord] = {}
    for path, values in raw.items():
        _rel_path(path, f"{where} file")
        values = _want(values, list, f"{where} file {path}")
        if len(values) != 5:
            raise _Invalid(f"{where} file {path} has a malformed fingerprint")
        size, mtime, ino, mode = (_want(v, int, f"{where} file {path}") for v in values[:4])
        digest = values[4]
        if digest is not None:
            _want(digest, str, f"{where} file {path} hash")
        files[path] = FileRecord(size, mtime, ino, mode, digest)
    return files


def _parse_record(name: str, raw: dict[str, Any]) -> PackageRecord:
    where = f"package {name}"
    source = _want(raw.get("source"), str, f"{where} source")
    if source not in ("managed", "adopted"):
        raise _Invalid(f"{where} has unknown source {source!r}")
    settings_raw = _want(raw.get("settings"), dict, f"{where} settings")
    settings = Settings(
        dotfiles=_want(settings_raw.get("dotfiles"), bool, f"{where} settings.dotfiles"),
        folding=_want(settings_raw.get("folding"), bool, f"{where} settings.folding"),
        absolute=_want(settings_raw.get("absolute"), bool, f"{where} settings.absolute"),
        package_name_mapping=_want(
            settings_raw.get("package_name_mapping"), bool, f"{where} settings.package_name_mapping"
        ),
        ignore=_want(settings_raw.get("ignore", ""), str, f"{where} settings.ignore"),
    )
    raw_links = _want(raw.get("links"), dict, f"{where} links")
    links = _quick_links(raw_links)
    if links is None:
        links = _links(where, raw_links)
    dirs = frozenset(
        _rel_path(d, f"{where} dir") for d in _want(raw.get("dirs"), list, f"{where} dirs")
    )
    backups = []
    for item in _want(raw.get("backups"), list, f"{where} backups"):
        item = _want(item, dict, f"{where} backup")
        origin = _want(item.get("origin"), str, f"{where} backup origin")
        if origin not in ("target", "package"):
            raise _Invalid(f"{where} backup has unknown origin {origin!r}")
        stored = _want(item.get("stored"), str, f"{where} backup stored")
        if not stored.startswith("/") or posixpath.normpath(stored) != stored:
            raise _Invalid(f"{where} backup location {stored!r} is not a clean absolute path")
        backups.append(
            BackupRecord(_rel_path(item.get("path"), f"{where} backup path"), stored, origin)
        )
    adopted = {
        _rel_path(p, f"{where} adopted path"): _rel_path(
            src, f"{where} adopted source", allow_root=True
        )
        for p, src in _want(raw.get("adopted") or {}, dict, f"{where} adopted").items()
    }
    raw_files = _want(raw.get("files"), dict, f"{where} files")
    files = _quick_files(raw_files)
    if files is None:
        files = _files(where, raw_files)
    return PackageRecord(
        name=name,
        source=source,
        installed_at=_want(raw.get("installed_at"), str, f"{where} installed_at"),
        updated_at=_want(raw.get("updated_at"), str, f"{where} updated_at"),
        settings=settings,
        links=links,
        dirs=dirs,
        backups=tuple(backups),
        adopted=adopted,
        files=files,
        shape=_want(raw.get("shape", ""), str, f"{where} shape"),
    )


# --- files ---------------------------------------------------------------------


def load(fs: FileSystem, path: str, directory: str, target: str) -> Manifest:
    """Read the manifest at `path`; a missing file is an empty manifest.

    A manifest written for another package directory or target is refused, since
    its records would be judged against the wrong tree.
    """
    try:
        data = fs.read_bytes(path)
    except FileNotFoundError:
        return Manifest(directory, target)
    except IsADirectoryError:
        raise ManifestError(f"manifest {path} is a directory") from None
    except PermissionError:
        raise PermissionDenied(f"cannot read manifest {path}: permission denied") from None
    manifest = loads(data, path)
    if manifest.target != target:
        raise ManifestError(
            f"manifest {path} belongs to target {manifest.target}, not {target}; "
            "use --manifest to keep a separate one"
        )
    if manifest.dir != directory and manifest.packages:
        raise ManifestError(
            f"manifest {path} records packages from {manifest.dir}, not {directory}; "
            f"use --dir {manifest.dir}, or --manifest for a separate manifest"
        )
    return replace(manifest, dir=directory)


def recorded_dir(fs: FileSystem, path: str) -> str | None:
    """The package directory a manifest records (None if unreadable or empty)."""
    try:
        doc = json.loads(fs.read_bytes(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict) or not doc.get("packages"):
        return None
    directory = doc.get("dir")
    return directory if isinstance(directory, str) and directory.startswith("/") else None


def save(fs: FileSystem, path: str, manifest: Manifest) -> None:
    """Write atomically, then its copy; an empty manifest removes both instead.

    The copy is a convenience for `doctor --fix`: failing to write it fails nothing.
    Stamps (dot.stamps) name the manifest file they describe, so a new manifest
    makes old ones inert; the service writes new ones after.
    """
    try:
        if manifest.is_empty:
            remove(fs, path)
            return
        data = dumps(manifest)
        fs.write_atomic(path, data)
    except PermissionError:
        raise PermissionDenied(f"cannot write manifest {path}: permission denied") from None
    with contextlib.suppress(OSError):
        fs.write_atomic(copy_path(path), data)


def remove(fs: FileSystem, path: str) -> None:
    """Remove the manifest at `path` (if there), its copy and stamps (best effort)."""
    with contextlib.suppress(FileNotFoundError):
        fs.unlink(path)
    for extra in (copy_path(path), path + STAMPS_SUFFIX):
        with contextlib.suppress(OSError):
            fs.unlink(extra)


def copy_path(path: str) -> str:
    """Where the copy of the manifest at `path` is kept."""
    return path + COPY_SUFFIX


def load_copy(fs: FileSystem, path: str, directory: str, target: str) -> Manifest | None:
    """The copy of the manifest at `path`; None when it is missing or unusable."""
    try:
        copy = load(fs, copy_path(path), directory, target)
    except (DotError, OSError):
        return None
    return copy if copy.packages else None
