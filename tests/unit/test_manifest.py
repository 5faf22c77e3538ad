"""Manifest: JSON round trip, strict validation, and the pure update."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dot import manifest as manifest_io
from dot.errors import ManifestError
from dot.fs.memory import MemoryFileSystem
from dot.manifest import (
    BackupRecord,
    FileRecord,
    LinkRecord,
    Manifest,
    Orphan,
    PackageRecord,
    Settings,
    apply,
    dumps,
    load,
    loads,
    save,
)
from dot.model import Adopt, Backup, Claim, Delete, Kind, Link, Mkdir, Restore, Rmdir, Unlink
from dot.values import replace

FULL = Manifest(
    "/d",
    "/h",
    {
        "vim": PackageRecord(
            name="vim",
            source="managed",
            installed_at="2026-11-25T12:00:00Z",
            updated_at="2026-11-25T12:00:00Z",
            settings=Settings(dotfiles=True, folding=False, ignore="abc"),
            links={".vimrc": LinkRecord("../d/vim/dot-vimrc", "dot-vimrc", Kind.FILE)},
            dirs=frozenset({".vim"}),
            backups=(BackupRecord(".vimrc", "/h/.dot-backup/R/.vimrc"),),
            adopted={".x": "dot-x"},
            files={"dot-vimrc": FileRecord(3, 10, 7, 0o100644, "ff" * 32)},
        )
    },
    frozenset({".vim"}),
)


def test_round_trip_is_exact_and_deterministic() -> None:
    data = dumps(FULL)
    assert loads(data, "m") == FULL
    assert dumps(loads(data, "m")) == data


def test_streamed_encoding_is_the_canonical_compact_json() -> None:
    """dumps encodes package by package; the bytes must equal one json.dumps of the
    whole document with sorted keys, whatever the names (escapes, non-ASCII)."""
    other = replace(FULL.packages["vim"], name='zé "q"', links={}, files={}, backups=())
    many = replace(
        FULL,
        packages={**FULL.packages, other.name: other, "a": replace(other, name="a")},
        orphans=(Orphan("vim", ".old", "/h/.dot-backup/R/.old"),),
        run="R1",
    )
    for manifest in (FULL, many):
        data = dumps(manifest)
        canonical = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")) + "\n"
        assert data == canonical.encode()
        assert loads(data, "m") == manifest


def doc() -> dict:  # type: ignore[type-arg]
    return json.loads(dumps(FULL))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(version=99), "unknown version 99"),
        (lambda d: d.pop("packages"), "packages has the wrong type"),
        (
            lambda d: d["packages"]["vim"]["links"].update(
                {"../escape": d["packages"]["vim"]["links"][".vimrc"]}
            ),
            "not a clean path",
        ),
        (
            lambda d: d["packages"]["vim"]["links"].update(
                {"/abs": d["packages"]["vim"]["links"][".vimrc"]}
            ),
            "not a clean path",
        ),
        (
            lambda d: d["packages"]["vim"]["links"].update(
                {"a/../../b": d["packages"]["vim"]["links"][".vimrc"]}
            ),
            "not a clean path",
        ),
        (lambda d: d["packages"].update({"../x": d["packages"]["vim"]}), "path separator"),
        (lambda d: d["packages"]["vim"].update(source="stolen"), "unknown source"),
        (lambda d: d["packages"]["vim"]["files"].update({"f": [1, 2]}), "malformed fingerprint"),
        (
            lambda d: d["packages"]["vim"]["files"].update({"f": [True, 2, 3, 4, None]}),
            "must be a number",
        ),
        (
            lambda d: d["packages"]["vim"]["backups"][0].update(stored="relative/path"),
            "clean absolute path",
        ),
        (lambda d: d["packages"]["vim"]["settings"].update(folding="yes"), "wrong type"),
        (lambda d: d.update(dirs=["../up"]), "not a clean path"),
    ],
)
def test_corrupt_content_is_a_clear_error(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    d = doc()
    mutate(d)
    with pytest.raises(ManifestError, match=message) as info:
        loads(json.dumps(d).encode(), "/h/.dot-manifest.json")
    assert "/h/.dot-manifest.json" in str(info.value)


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b"\xff\xfe", b"null", b'{"version": 1}'])
def test_garbage_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(ManifestError, match="manifest m "):
        loads(data, "m")


def test_load_missing_is_empty_and_save_empty_removes_the_file() -> None:
    fs = MemoryFileSystem()
    fs.makedirs("/h")
    empty = load(fs, "/h/m.json", "/d", "/h")
    assert empty == Manifest("/d", "/h")
    save(fs, "/h/m.json", FULL)
    assert load(fs, "/h/m.json", "/d", "/h") == FULL
    save(fs, "/h/m.json", Manifest("/d", "/h"))
    assert not fs.exists("/h/m.json")


def test_load_refuses_a_manifest_of_another_target_or_directory() -> None:
    fs = MemoryFileSystem()
    fs.makedirs("/h")
    save(fs, "/h/m.json", FULL)
    with pytest.raises(ManifestError, match="belongs to target /h"):
        load(fs, "/h/m.json", "/d", "/other")
    with pytest.raises(ManifestError, match="--dir /d"):
        load(fs, "/h/m.json", "/elsewhere", "/h")


def test_apply_folds_operations_into_records() -> None:
    base = Manifest(
        "/d",
        "/h",
        {
            "a": PackageRecord(name="a"),
            "b": PackageRecord(name="b", links={"x": LinkRecord("t", "x", Kind.DIR)}),
        },
    )
    ops = [
        Unlink("x", "t", "b"),
        Mkdir("x", "a"),
        Link("x/f", "u", "b", "x/f", Kind.FILE),
        Link("x/g", "v", "a", "x/g", Kind.FILE),
        Backup("y", "/h/.dot-backup/R/y", "a", Kind.FILE),
        Link("y", "w", "a", "y", Kind.FILE),
        Link("z", "w", "ghost", "z", Kind.FILE),  # unknown packages are not invented
    ]
    out = apply(base, ops, [Claim("c", "t", "a", "c", Kind.FILE)], {})
    assert set(out.packages["a"].links) == {"x/g", "y", "c"}
    assert set(out.packages["b"].links) == {"x/f"}
    assert out.packages["a"].dirs == {"x"}
    assert out.dirs == {"x"}
    assert out.packages["a"].backups == (BackupRecord("y", "/h/.dot-backup/R/y", "target"),)
    assert "ghost" not in out.packages

    later = apply(
        out,
        [Rmdir("x"), Restore("y", "/h/.dot-backup/R/y", "a", "/h"), Delete("c", Kind.LINK)],
        [],
        {},
    )
    assert later.dirs == frozenset()
    assert later.packages["a"].backups == ()
    assert "c" not in later.packages["a"].links

    adopted = apply(out, [Adopt("q", "a", "src/q", "/h/.dot-backup/R-adopted/a/src/q")], [], {})
    assert adopted.packages["a"].adopted == {"q": "src/q"}
    assert adopted.packages["a"].backups[-1].origin == "package"

    gone = apply(out, [], [], {}, removed=["a"])
    assert set(gone.packages) == {"b"}


# The pattern the string tests replaced (a regex per path cost a fifth of a large load).
_CLEAN_REGEX = re.compile(r"(?:(?!\.\.?(?:/|\Z))[^/\x00]+/)*(?!\.\.?\Z)[^/\x00]+\Z")


@settings(max_examples=2000, deadline=None, database=None)
@given(
    st.lists(st.sampled_from(["", ".", "..", "a", ".a", "a.", "...", "\0", "b\0c", "x y"])).map(
        "/".join
    )
)
def test_clean_path_test_agrees_with_the_definition(path: str) -> None:
    assert manifest_io._all_clean([path]) is (_CLEAN_REGEX.match(path) is not None)


# Paths as a manifest might hold them, odd ones often: dots, slashes, newlines, NUL.
_ODD_PATHS = st.lists(st.sampled_from(["a", "b", ".", "..", "/", "\n", "\0", "é"]), max_size=8).map(
    "".join
)


@settings(max_examples=400, deadline=None, database=None)
@given(paths=st.lists(_ODD_PATHS, max_size=5))
def test_all_paths_clean_at_once_is_each_path_clean(paths: list[str]) -> None:
    assert manifest_io._all_clean(paths) is all(_CLEAN_REGEX.match(p) is not None for p in paths)


_LINK_VALUES = st.one_of(
    st.fixed_dictionaries(
        {
            "text": st.text(max_size=5),
            "source": _ODD_PATHS,
            "kind": st.sampled_from(["file", "dir"]),
        }
    ),
    st.fixed_dictionaries({"text": st.integers(), "source": _ODD_PATHS, "kind": st.just("file")}),
    st.fixed_dictionaries({"text": st.just("t"), "source": _ODD_PATHS, "kind": st.just("nope")}),
    st.just([]),
)
_FILE_VALUES = st.one_of(
    st.tuples(st.integers(), st.integers(), st.integers(), st.integers(), st.none()).map(list),
    st.tuples(st.integers(), st.booleans(), st.integers(), st.integers(), st.text()).map(list),
    st.lists(st.integers(), max_size=6),
)


def _outcome(parse: object, *args: object) -> object:
    try:
        return parse(*args)  # type: ignore[operator]
    except manifest_io._Invalid as exc:
        return ("invalid", str(exc))


@pytest.mark.parametrize(
    ("values", "quick", "precise"),
    [
        (_LINK_VALUES, manifest_io._quick_links, manifest_io._links),
        (_FILE_VALUES, manifest_io._quick_files, manifest_io._files),
    ],
    ids=["links", "files"],
)
@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=st.data())
def test_the_quick_pass_gives_the_precise_records_or_defers_to_them(
    values: st.SearchStrategy[object], quick: Any, precise: Any, data: st.DataObject
) -> None:
    raw = data.draw(st.dictionaries(_ODD_PATHS, values, max_size=5))
    found = quick(raw)
    if found is not None:
        assert found == _outcome(precise, "package p", raw)


def test_a_plainly_valid_record_takes_the_quick_way() -> None:
    links = {".vimrc": {"text": "../d/vim/dot-vimrc", "source": "dot-vimrc", "kind": "file"}}
    files = {"dot-vimrc": [6, 1, 2, 0o100644, None]}
    assert manifest_io._quick_links(links) == manifest_io._links("p", links)  # type: ignore[arg-type]
    assert manifest_io._quick_files(files) == manifest_io._files("p", files)  # type: ignore[arg-type]
    assert manifest_io._quick_links({"a/../b": links[".vimrc"]}) is None  # type: ignore[dict-item]


_NAMES = st.lists(
    st.sampled_from(["a", "é", '"', "\\", ":", "null", '"files":null', "\n", "\udcff", "/"]),
    min_size=1,
    max_size=4,
).map("".join)


@settings(max_examples=200, deadline=None, database=None)
@given(
    links=st.dictionaries(
        _NAMES, st.tuples(_NAMES, _NAMES, st.sampled_from([Kind.FILE, Kind.DIR]))
    ),
    files=st.dictionaries(_NAMES, st.tuples(st.integers(-(2**63), 2**63), st.none() | _NAMES)),
    adopted=st.dictionaries(_NAMES, _NAMES, max_size=2),
)
def test_records_encode_as_the_canonical_json_whatever_the_names(
    links: dict[str, tuple[str, str, Kind]],
    files: dict[str, tuple[int, str | None]],
    adopted: dict[str, str],
) -> None:
    record = replace(
        FULL.packages["vim"],
        links={p: LinkRecord(*v) for p, v in links.items()},
        files={p: FileRecord(n, n + 1, abs(n), 0o100644, h) for p, (n, h) in files.items()},
        adopted=adopted,
        dirs=frozenset(adopted),
    )
    data = dumps(replace(FULL, packages={"vim": record}))
    canonical = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")) + "\n"
    assert data == canonical.encode()
