"""The write-ahead journal: a run's plan on disk before its first write.

Layout: one JSON object per line. The first line is the header (the run id, the
paths involved and every planned operation); it is fsync'd before anything in the
target changes. Once the run has committed, a commit record follows; then the
journal is removed.

Recovery needs no record of progress: it inspects the filesystem for each planned
operation, newest first, and undoes the ones that happened. If the
manifest on disk already carries the run's id, the run had committed and is
completed instead (its trash is dropped). The journal is untrusted input: every
field is validated, and a damaged journal is an error, never a guess.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring_ascii as _string
from typing import Any

from dot import manifest as manifest_io
from dot.errors import DotError
from dot.fs.port import FileSystem, kind_at
from dot.model import (
    KIND_VALUE,
    Adopt,
    Backup,
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
    verb,
)
from dot.paths import Layout
from dot.values import replace, value

JOURNAL_NAME = ".dot-journal"
VERSION = 1


class JournalError(DotError):
    """The journal of an interrupted run cannot be read."""


@value
class Header:
    """What a run recorded before its first write."""

    run: str
    command: str
    dir: str
    target: str
    trash: str
    backups: str  # this run's backup directory
    made: tuple[str, ...]  # state roots (backup dir, trash dir) that did not exist before
    operations: tuple[Operation, ...]
    commit: str = ""  # set once the run committed: what happens to the manifest
    # (operation index, permission bits) of each directory the run is to remove,
    # taken before the first write, so a rollback makes them as they were.
    modes: tuple[tuple[int, int], ...] = ()


# --- encoding ------------------------------------------------------------------

_FIELDS: dict[str, tuple[type, tuple[str, ...]]] = {
    "link": (Link, ("path", "text", "package", "source", "kind")),
    "unlink": (Unlink, ("path", "text", "package")),
    "mkdir": (Mkdir, ("path", "package", "mode")),
    "rmdir": (Rmdir, ("path",)),
    "backup": (Backup, ("path", "dest", "package", "existing")),
    "delete": (Delete, ("path", "existing")),
    "adopt": (Adopt, ("path", "package", "source", "stash")),
    "move": (Take, ("path", "package", "source", "dest")),
    "restore": (Restore, ("path", "backup", "package", "root")),
    "copy": (CopyBack, ("path", "package", "source")),
}


_KIND_VALUES = frozenset(k.value for k in Kind)

_ENCODERS: dict[type, Any] = {
    Link: lambda op: ["link", op.path, op.text, op.package, op.source, KIND_VALUE[op.kind]],
    Unlink: lambda op: ["unlink", op.path, op.text, op.package],
    Mkdir: lambda op: ["mkdir", op.path, op.package, op.mode],
    Rmdir: lambda op: ["rmdir", op.path],
    Backup: lambda op: ["backup", op.path, op.dest, op.package, op.existing.value],
    Delete: lambda op: ["delete", op.path, op.existing.value],
    Adopt: lambda op: ["adopt", op.path, op.package, op.source, op.stash],
    Take: lambda op: ["move", op.path, op.package, op.source, op.dest],
    Restore: lambda op: ["restore", op.path, op.backup, op.package, op.root],
    CopyBack: lambda op: ["copy", op.path, op.package, op.source],
}


def _optional(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _number(value: int | None) -> str:
    return "null" if value is None else str(int(value))


# The common operations straight to JSON text: the same bytes as `json.dumps` of
# `encode(op)`, at half the cost (a large plan holds tens of thousands of them).
_TEXT_ENCODERS: dict[type, Any] = {
    Link: lambda op: (
        f'["link",{_string(op.path)},{_string(op.text)},{_string(op.package)},'
        f'{_string(op.source)},"{KIND_VALUE[op.kind]}"]'
    ),
    Unlink: lambda op: f'["unlink",{_string(op.path)},{_string(op.text)},{_optional(op.package)}]',
    Mkdir: lambda op: f'["mkdir",{_string(op.path)},{_optional(op.package)},{_number(op.mode)}]',
    Rmdir: lambda op: f'["rmdir",{_string(op.path)}]',
}


def encode_text(op: Operation) -> str:
    """`encode(op)` as compact JSON text."""
    fast = _TEXT_ENCODERS.get(type(op))
    if fast is not None:
        text: str = fast(op)
        return text
    return json.dumps(encode(op), separators=(",", ":"))


def encode(op: Operation) -> list[Any]:
    """An operation as a compact JSON array: its verb, then its fields in order."""
    encoded: list[Any] = _ENCODERS[type(op)](op)
    return encoded


def decode(doc: object, where: str) -> Operation:
    """An operation from its JSON array; anything odd is a JournalError."""
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], str) or doc[0] not in _FIELDS:
        raise JournalError(f"journal {where} holds an unknown operation")
    cls, names = _FIELDS[doc[0]]
    if len(doc) != len(names) + 1:
        raise JournalError(f"journal {where} holds a malformed {doc[0]} operation")
    values: list[Any] = []
    for field_name, item in zip(names, doc[1:], strict=True):
        if field_name in ("kind", "existing"):
            if not isinstance(item, str) or item not in _KIND_VALUES:
                raise JournalError(f"journal {where} holds a bad kind {item!r}")
            item = Kind(item)
        elif field_name == "package" and item is None and cls in (Unlink, Mkdir):
            pass
        elif field_name == "mode":
            if item is not None and (type(item) is not int or not 0 <= item <= 0o7777):
                raise JournalError(f"journal {where} holds a bad mode {item!r}")
        elif not isinstance(item, str) or "\0" in item:
            raise JournalError(f"journal {where} holds a bad {field_name} {item!r}")
        values.append(item)
    op: Operation = cls(*values)
    _check_path(op.path, where)
    return op


def _check_path(path: str, where: str) -> None:
    if path.startswith("/"):
        if posixpath.normpath(path) != path:
            raise JournalError(f"journal {where} holds an unclean path {path!r}")
        return
    if not path or posixpath.normpath(path) != path or path == ".." or path.startswith("../"):
        raise JournalError(f"journal {where} holds a path outside the target: {path!r}")


# --- writing -------------------------------------------------------------------


class Journal:
    """Appends a run's progress to its journal file through the FS port."""

    def __init__(self, fs: FileSystem, path: str) -> None:
        self.fs = fs
        self.path = path

    def begin(self, header: Header) -> None:
        """Write and fsync the header: from here on, recovery is possible."""
        doc = {
            "journal": VERSION,
            "run": header.run,
            "command": header.command,
            "dir": header.dir,
            "target": header.target,
            "trash": header.trash,
            "backups": header.backups,
            "made": list(header.made),
            "operations": None,
            "modes": [list(pair) for pair in header.modes],
        }
        # The operations are spliced in as text (see _TEXT_ENCODERS): the same line
        # `json.dumps` would write for the whole document.
        head, _, tail = json.dumps(doc, separators=(",", ":")).partition('"operations":null')
        ops = ",".join([encode_text(op) for op in header.operations])
        data = f'{head}"operations":[{ops}]{tail}\n'
        self.fs.append(self.path, data.encode(), sync=True)

    def commit(self, manifest: str) -> None:
        """Record (fsync'd) that the run is committed; `manifest` says what becomes of
        the manifest ("write": already written, "delete": about to be removed,
        "keep": unchanged). Recovery then finishes the run instead of undoing it."""
        self.fs.append(self.path, json.dumps({"commit": manifest}).encode() + b"\n", sync=True)

    def finish(self) -> None:
        """The run is committed: the journal is no longer needed."""
        self.fs.unlink(self.path)


# --- reading and recovery ------------------------------------------------------


def read(fs: FileSystem, path: str) -> Header | None:
    """The header of the journal at `path`; None when there is none (or it is empty)."""
    try:
        data = fs.read_bytes(path)
    except FileNotFoundError:
        return None
    first, newline, rest = data.partition(b"\n")
    if not newline:
        # The header never reached the disk in full, so no operation ran.
        return Header("", "", "", "", "", "", (), ())
    try:
        doc = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise JournalError(f"journal {path} is damaged; check the target, then remove it") from None
    header = _header(doc, path)
    return replace(header, commit=_commit_record(rest))


def _commit_record(lines: bytes) -> str:
    """The manifest action of the commit record, "" when the run did not commit."""
    for line in reversed(lines.split(b"\n")):
        if line.startswith(b'{"commit"'):
            try:
                action = json.loads(line.decode("utf-8")).get("commit")
            except (UnicodeDecodeError, ValueError, AttributeError):
                continue  # a torn last line: the commit was not written in full
            if action in ("write", "delete", "keep"):
                return str(action)
    return ""


def _header(doc: object, where: str) -> Header:
    if not isinstance(doc, dict) or doc.get("journal") != VERSION:
        raise JournalError(f"journal {where} has an unknown format")
    texts = {}
    for key in ("run", "command", "dir", "target", "trash", "backups"):
        value = doc.get(key)
        if not isinstance(value, str):
            raise JournalError(f"journal {where} has a bad {key}")
        texts[key] = value
    made = doc.get("made")
    ops = doc.get("operations")
    if not isinstance(made, list) or not all(isinstance(m, str) for m in made):
        raise JournalError(f"journal {where} has a bad list of made directories")
    if not isinstance(ops, list):
        raise JournalError(f"journal {where} has no operations")
    modes = doc.get("modes", [])  # (absent from journals of older versions)
    if not isinstance(modes, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(type(n) is int for n in pair)
        and 0 <= pair[1] <= 0o7777
        for pair in modes
    ):
        raise JournalError(f"journal {where} has a bad list of directory modes")
    return Header(
        texts["run"],
        texts["command"],
        texts["dir"],
        texts["target"],
        texts["trash"],
        texts["backups"],
        tuple(made),
        tuple(decode(op, where) for op in ops),
        modes=tuple((index, mode) for index, mode in modes),
    )


@value
class Recovery:
    """What recovering an interrupted run did."""

    run: str
    command: str
    completed: bool  # True: the run had committed and was finished instead
    undone: int
    problems: tuple[str, ...]

    def describe(self) -> str:
        what = (
            f"an interrupted '{self.command}' run ({self.run})"
            if self.run
            else "an interrupted run"
        )
        if self.completed:
            return f"found {what} that had committed: finished it"
        done = f"rolled it back ({self.undone} operations undone)"
        if self.problems:
            done += "; could not undo: " + "; ".join(self.problems)
        return f"found {what}: {done}"


def recover(
    fs: FileSystem,
    path: str,
    header: Header,
    layout: Layout,
    committed: bool,
    manifest: str = "",
) -> Recovery:
    """Finish (when committed) or roll back the run whose journal is at `path`.

    `committed` says the manifest already carries the run's id; a commit record in
    the journal says so too. `manifest` is the manifest's path, removed when the
    committed run had emptied it.
    """
    if header.run and (header.dir, header.target) != (layout.dir, layout.target):
        raise JournalError(
            f"journal {path} belongs to {header.dir} -> {header.target}; "
            "run dot with those directories to recover it"
        )
    committed = committed or bool(header.commit)
    if committed or not header.operations:
        if header.commit == "delete" and manifest:
            manifest_io.remove(fs, manifest)  # the run emptied it, had not removed it yet
        _drop(fs, header.trash)
        fs.unlink(path)
        return Recovery(header.run, header.command, committed, 0, ())
    undone, problems = _roll_back(fs, layout, header.operations, header.trash, dict(header.modes))
    for root in (header.trash, header.backups, f"{header.backups}-adopted"):
        if root:
            _prune_tree(fs, root)
    for root in sorted(header.made, key=len, reverse=True):
        _rmdir(fs, root)
    if not problems:
        fs.unlink(path)
    return Recovery(header.run, header.command, False, undone, tuple(problems))


def _roll_back(
    fs: FileSystem,
    layout: Layout,
    operations: Sequence[Operation],
    trash: str,
    modes: Mapping[int, int],
) -> tuple[int, list[str]]:
    undone = 0
    problems: list[str] = []
    for index in range(len(operations) - 1, -1, -1):
        op = operations[index]
        try:
            if _undo_if_done(fs, layout, op, trash, modes.get(index)):
                undone += 1
        except OSError as exc:
            problems.append(f"{verb(op)} {op.path}: {exc.strerror or exc}")
    return undone, problems


def _text(fs: FileSystem, path: str) -> str | None:
    try:
        return fs.readlink(path)
    except OSError:
        return None


def _undo_if_done(
    fs: FileSystem, layout: Layout, op: Operation, trash: str, mode: int | None = None
) -> bool:
    """Undo `op` if the filesystem shows it happened; True when something was undone.

    `mode`: the permission bits a removed directory had (None when not recorded).
    """
    path = layout.abs(op.path)
    here = kind_at(fs, path)
    match op:
        case Link(text=text):
            if here is Kind.LINK and _text(fs, path) == text:
                fs.unlink(path)
                return True
        case Unlink(text=text):
            if here is Kind.MISSING and kind_at(fs, posixpath.dirname(path)) is Kind.DIR:
                fs.symlink(text, path)
                return True
        case Mkdir():
            if here is Kind.DIR and not list(fs.scandir(path)):
                fs.rmdir(path)
                return True
        case Rmdir():
            if here is Kind.MISSING:
                fs.mkdir(path, mode)
                return True
        case Backup(dest=dest):
            if kind_at(fs, dest) is not Kind.MISSING and here is Kind.MISSING:
                fs.rename(dest, path)
                return True
        case Delete():
            aside = f"{trash}/{op.path}"
            if trash and kind_at(fs, aside) is not Kind.MISSING and here is Kind.MISSING:
                fs.rename(aside, path)
                return True
        case Take(dest=dest):
            if kind_at(fs, dest) is not Kind.MISSING and here is Kind.MISSING:
                fs.rename(dest, path)
                return True
        case Adopt(package=package, source=source, stash=stash):
            inside = layout.source_abs(package, source)
            if kind_at(fs, stash) is Kind.MISSING:
                return False
            if here is Kind.MISSING and kind_at(fs, inside) is not Kind.MISSING:
                fs.rename(inside, path)
            if kind_at(fs, inside) is Kind.MISSING:
                fs.rename(stash, inside)
            return True
        case Restore(backup=backup):
            if here is not Kind.MISSING and kind_at(fs, backup) is Kind.MISSING:
                _makedirs(fs, posixpath.dirname(backup))
                fs.rename(path, backup)
                return True
        case CopyBack():
            if here is not Kind.MISSING:
                _remove(fs, path)
                return True
    return False


def _makedirs(fs: FileSystem, path: str) -> None:
    if kind_at(fs, path) is Kind.DIR:
        return
    _makedirs(fs, posixpath.dirname(path))
    fs.mkdir(path)


def _remove(fs: FileSystem, path: str) -> None:
    if kind_at(fs, path) is Kind.DIR:
        for entry in list(fs.scandir(path)):
            _remove(fs, entry.path)
        fs.rmdir(path)
    else:
        fs.unlink(path)


def _rmdir(fs: FileSystem, path: str) -> None:
    with contextlib.suppress(OSError):
        fs.rmdir(path)


def _prune_tree(fs: FileSystem, root: str) -> None:
    """Remove empty directories at and below `root`, deepest first."""
    if kind_at(fs, root) is not Kind.DIR:
        return
    for entry in list(fs.scandir(root)):
        if kind_at(fs, entry.path) is Kind.DIR:
            _prune_tree(fs, entry.path)
    _rmdir(fs, root)


def _drop(fs: FileSystem, trash: str) -> None:
    if trash and kind_at(fs, trash) is Kind.DIR:
        _remove(fs, trash)
        _rmdir(fs, posixpath.dirname(trash))
