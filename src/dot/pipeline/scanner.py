"""Scanner: walks packages through the FS port, applying ignore rules as it goes.

Ignored entries are kept in the tree (marked, with the rule that hit them) but
ignored directories are never entered. Each directory knows whether it may be
folded as far as its contents go: no ignored entry and no translated name below it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence

from dot.errors import ConfigError, DotError, PackageNotFound, PermissionDenied
from dot.fs.port import EntryLike, FileSystem, kind_of_mode
from dot.ignore import DEFAULT_PATTERNS, DOT_IGNORE_FILE, STOW_IGNORE_FILE, IgnoreRules, RuleBuilder
from dot.model import KIND_VALUE, Kind
from dot.paths import DOT_PREFIX, validate_package_name
from dot.sha import sha256
from dot.values import value

Fingerprint = tuple[int, int, int, int]  # size, mtime_ns, inode, mode


_NO_CHILDREN: dict[str, Entry] = {}


class Entry:
    """One node of a scanned package (package-side name); children sorted by name."""

    __slots__ = ("children", "clean", "fingerprint", "ignored", "kind", "mode", "name", "stamp")

    def __init__(
        self,
        name: str,
        kind: Kind,
        fingerprint: Fingerprint | None = None,
        ignored: bool = False,
    ) -> None:
        self.name = name
        self.kind = kind
        self.fingerprint = fingerprint
        self.ignored = ignored
        self.mode: int | None = None  # a directory's permission bits
        # A scanned subdirectory's (inode, mtime_ns, device) when it was listed.
        self.stamp: tuple[int, int, int] | None = None
        # Files share one empty mapping; directories get their own (sorted by name).
        self.children: dict[str, Entry] = {} if kind is Kind.DIR else _NO_CHILDREN
        self.clean = True

    def find(self, rel: str) -> Entry | None:
        """The entry at package-relative `rel` ("" is this entry), or None."""
        node: Entry | None = self
        if rel:
            for part in rel.split("/"):
                if node is None or node.kind is not Kind.DIR or node.ignored:
                    return None
                node = node.children.get(part)
        return node

    def included(self) -> Iterator[Entry]:
        """Children that are not ignored, in name order (the scanner sorts them)."""
        for child in self.children.values():
            if not child.ignored:
                yield child

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Entry]]:
        """Every included descendant as (package-relative path, entry), pre-order."""
        for child in self.included():
            rel = f"{prefix}/{child.name}" if prefix else child.name
            yield rel, child
            if child.kind is Kind.DIR:
                yield from child.walk(rel)

    def shape(self) -> str:
        """A digest of every entry below, ignored ones and directories included.

        Two scans with the same shape map to the same links, so remanage can trust
        it (with the file fingerprints) to skip planning.
        """
        digest = sha256()
        value = KIND_VALUE
        stack: list[tuple[str, Entry]] = [("", self)]
        while stack:
            prefix, node = stack.pop()
            for name, child in node.children.items():
                rel = f"{prefix}/{name}" if prefix else name
                digest.update(f"{rel}\0{value[child.kind]}\0{int(child.ignored)}\n".encode())
                if child.kind is Kind.DIR and not child.ignored:
                    stack.append((rel, child))
        return digest.hexdigest()[:32]

    def files(self) -> dict[str, Entry]:
        """Every included non-directory, by package-relative path (pre-order)."""
        out: dict[str, Entry] = {}
        stack: list[tuple[str, Entry]] = [("", self)]
        while stack:
            prefix, node = stack.pop()
            below: list[tuple[str, Entry]] = []
            for child in node.children.values():
                if child.ignored:
                    continue
                rel = prefix + child.name
                if child.kind is Kind.DIR:
                    below.append((rel + "/", child))
                else:
                    out[rel] = child
            stack.extend(reversed(below))
        return out


def scan(
    fs: FileSystem,
    root: str,
    rules: IgnoreRules,
    dotfiles: bool,
    prefix: str = "",
    *,
    fingerprints: bool = False,
) -> Entry:
    """Scan the directory `root` into a tree of Entry.

    `prefix` is where `root` sits inside its package, so that rules anchored at the
    package root apply (used when `adopt` scans a directory before moving it in).
    Files are not stat'ed (their kind comes from the directory listing): the
    fingerprints are taken where a manifest record needs them (`dot.fingerprints`),
    unless `fingerprints` asks for them now (adopt: the files move afterwards).
    """
    top = Entry(prefix.rpartition("/")[2], Kind.DIR)
    with contextlib.suppress(OSError):  # the walk below reports an unreadable directory
        top.mode = fs.lstat(root).st_mode & 0o7777
    _scan_dir(fs, root, prefix, top, rules, dotfiles, fingerprints)
    return top


def _scan_dir(
    fs: FileSystem,
    path: str,
    rel: str,
    node: Entry,
    rules: IgnoreRules,
    dotfiles: bool,
    fingerprints: bool,
) -> None:
    try:
        listing = sorted(fs.scandir(path), key=_name)
    except PermissionError:
        raise PermissionDenied(f"cannot read package directory {path}: permission denied") from None
    clean = True
    children = node.children
    ignored = rules.ignored
    prefix = f"{rel}/" if rel else ""
    for item in listing:
        name = item.name
        child_rel = prefix + name
        if item.is_file(follow_symlinks=False):
            kind = Kind.FILE
        elif item.is_dir(follow_symlinks=False):
            kind = Kind.DIR
        elif item.is_symlink():
            kind = Kind.LINK
        else:
            kind = Kind.OTHER
        if ignored(child_rel, kind is Kind.DIR):
            children[name] = Entry(name, kind, ignored=True)
            clean = False
            continue
        if kind is Kind.DIR:
            child = Entry(name, kind)
            st = item.stat(follow_symlinks=False)
            child.mode = st.st_mode & 0o7777
            child.stamp = (st.st_ino, st.st_mtime_ns, getattr(st, "st_dev", 0))
            _scan_dir(fs, item.path, child_rel, child, rules, dotfiles, fingerprints)
            clean = clean and child.clean
        elif fingerprints:
            st = item.stat(follow_symlinks=False)
            child = Entry(name, kind, (st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode))
        else:
            child = Entry(name, kind)
        if dotfiles and name.startswith(DOT_PREFIX) and len(name) > len(DOT_PREFIX):
            clean = False
        children[name] = child
    node.clean = clean


def _name(entry: EntryLike) -> str:
    return entry.name


def kind_in_tree(tree: Entry | None, source: str) -> Kind:
    """What `source` is in a scanned package (MISSING when absent, OTHER when below
    an ignored directory, which the scanner does not enter)."""
    if tree is None:
        return Kind.MISSING
    node = tree
    for part in source.split("/") if source else ():
        if node.kind is not Kind.DIR:
            return Kind.MISSING
        if node.ignored:
            return Kind.OTHER
        child = node.children.get(part)
        if child is None:
            return Kind.MISSING
        node = child
    return node.kind


_UNSCANNED = Entry("", Kind.OTHER)


@value
class RuleSources:
    """Where ignore rules come from, besides each package's own files."""

    global_file: str | None = None
    ignore: tuple[str, ...] = ()
    override: tuple[str, ...] = ()
    stow_ignore: tuple[str, ...] = ()  # GNU Stow --ignore regexes (from .stowrc)


def read_text(fs: FileSystem, path: str) -> str | None:
    """The text of a small config or ignore file, None when it does not exist."""
    try:
        data = fs.read_bytes(path)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory, expected an ignore file") from None
    except PermissionError:
        raise PermissionDenied(f"cannot read {path}: permission denied") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not valid UTF-8 text") from None


def build_rules(fs: FileSystem, package_root: str, sources: RuleSources) -> IgnoreRules:
    """The rules for one package: defaults, global file, package files, then flags."""
    builder = RuleBuilder()
    builder.gitignore(DEFAULT_PATTERNS, "built-in defaults")
    if sources.global_file:
        text = read_text(fs, sources.global_file)
        if text is not None:
            builder.gitignore(text.splitlines(), sources.global_file, numbered=True)
    builder.stow_suffixes(sources.stow_ignore, ".stowrc --ignore")
    stow_file = f"{package_root}/{STOW_IGNORE_FILE}"
    text = read_text(fs, stow_file)
    if text is not None:
        builder.stow_regexes(text.splitlines(), stow_file)
    dot_file = f"{package_root}/{DOT_IGNORE_FILE}"
    text = read_text(fs, dot_file)
    if text is not None:
        builder.gitignore(text.splitlines(), dot_file, numbered=True)
    builder.gitignore(sources.ignore, "--ignore")
    builder.gitignore(sources.override, "--override", negate=True)
    return builder.build()


class PackageIndex:
    """Scans packages of one package directory on first use and remembers them.

    The planner reads trees through `tree(name)`; only packages it actually needs
    (the ones named, and those whose folded links it must unfold or refold) are read.
    """

    def __init__(
        self,
        fs: FileSystem,
        directory: str,
        sources: RuleSources,
        dotfiles: bool,
        on_scan: Callable[[str], None] | None = None,
    ) -> None:
        self._fs = fs
        self._dir = directory
        self._sources = sources
        self._dotfiles = dotfiles
        self._trees: dict[str, Entry | None] = {}
        self._rules: dict[str, IgnoreRules] = {}
        self._on_scan = on_scan
        self.scanned_at: dict[str, float] = {}  # time.monotonic() when each scan began

    def exists(self, name: str) -> bool:
        """True when `name` is a directory in the package directory."""
        if validate_package_name(name) is not None:
            return False
        path = f"{self._dir}/{name}"
        try:
            kind = kind_of_mode(self._fs.lstat(path).st_mode)
            if kind is Kind.LINK:  # a package may be a symlink to a directory
                kind = kind_of_mode(self._fs.lstat(self._fs.realpath(path)).st_mode)
        except OSError:
            return False
        return kind is Kind.DIR

    def require(self, names: Sequence[str]) -> None:
        """Raise PackageNotFound naming every package that does not exist."""
        missing = [name for name in names if not self.exists(name)]
        if missing:
            listed = ", ".join(missing)
            noun = "package" if len(missing) == 1 else "packages"
            raise PackageNotFound(f"{noun} not found in {self._dir}: {listed}")

    def rules(self, name: str) -> IgnoreRules:
        """The ignore rules of package `name`."""
        if name not in self._rules:
            root = f"{self._dir}/{name}"
            try:
                self._rules[name] = build_rules(self._fs, root, self._sources)
            except PermissionDenied:
                raise PermissionDenied(
                    f"cannot read {root} (package {name}): permission denied"
                ) from None
        return self._rules[name]

    def source_kind(self, name: str, source: str) -> Kind:
        """What `source` is in package `name`, exactly as `kind_in_tree` of its scan.

        A package not scanned yet is not scanned for this: one `lstat` per path
        component answers (whether a stray link into another package dangles should
        not cost a walk of that whole package).
        """
        tree = self._trees.get(name, _UNSCANNED)
        if tree is _UNSCANNED:
            probed = self._probe(name, source)
            if probed is not None:
                return probed
            tree = self.tree(name)
        return kind_in_tree(tree, source)

    def _probe(self, name: str, source: str) -> Kind | None:
        """`source_kind` by lstat; None when only a scan can say (unreadable, say)."""
        if not self.exists(name):
            return Kind.MISSING
        root = f"{self._dir}/{name}"
        parts = source.split("/") if source else []
        if any(part in ("", ".", "..") for part in parts):
            return None  # no scanned entry has such a name: the tree answers
        rel = ""
        kind = Kind.DIR
        try:
            ignored = self.rules(name).ignored
            for index, part in enumerate(parts):
                if rel and ignored(rel, True):
                    return Kind.OTHER  # the scanner does not enter an ignored directory
                rel = f"{rel}/{part}" if rel else part
                try:
                    kind = kind_of_mode(self._fs.lstat(f"{root}/{rel}").st_mode)
                except (FileNotFoundError, NotADirectoryError):
                    return Kind.MISSING
                if kind is not Kind.DIR and index < len(parts) - 1:
                    return Kind.MISSING
        except (OSError, DotError):
            return None
        return kind

    def tree(self, name: str) -> Entry | None:
        """The scanned tree of package `name`, None when there is no such package."""
        if name not in self._trees:
            if not name or not self.exists(name):
                self._trees[name] = None
            else:
                if self._on_scan is not None:
                    self._on_scan(name)
                root = f"{self._dir}/{name}"
                rules = self.rules(name)
                self.scanned_at[name] = time.monotonic()
                self._trees[name] = scan(self._fs, root, rules, self._dotfiles)
        return self._trees[name]
