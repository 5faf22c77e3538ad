"""Fuzzing of every reader of untrusted input: no input produces a traceback.

Manifests, journals, ignore files, Stow ignore files, config files, .stowrc files
and DOT_* variables are fed arbitrary bytes and arbitrary-but-plausible structure.
Every input is either accepted or rejected with a DotError carrying a one-line
message; any other exception fails the test.
"""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dot import config
from dot.errors import DotError
from dot.fs.memory import MemoryFileSystem
from dot.ignore import RuleBuilder
from dot.manifest import dumps, loads
from dot.manifest import load as load_manifest
from dot.pipeline import journal
from dot.pipeline.scanner import RuleSources, build_rules

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def one_line(error: DotError) -> None:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message


# JSON-ish values, biased towards the shapes the readers expect.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["", "/", "..", "../x", "/abs", "a/../b", "a//b", "dot-x", "file", "dir"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)

VALID = json.loads(
    dumps(
        loads(
            json.dumps(
                {
                    "version": 1,
                    "dir": "/d",
                    "target": "/h",
                    "dirs": ["x"],
                    "run": "r",
                    "packages": {
                        "vim": {
                            "source": "managed",
                            "installed_at": "t",
                            "updated_at": "t",
                            "settings": {
                                "dotfiles": True,
                                "folding": True,
                                "absolute": False,
                                "package_name_mapping": False,
                                "ignore": "",
                            },
                            "links": {
                                ".vimrc": {"text": "../d/vim/x", "source": "x", "kind": "file"}
                            },
                            "dirs": [],
                            "backups": [{"path": "a", "stored": "/b/a", "origin": "target"}],
                            "adopted": [],
                            "files": {"x": [1, 2, 3, 4, None]},
                        }
                    },
                }
            ).encode(),
            "seed",
        )
    )
)


def mutate(doc: Any, path: list[str | int], value: Any) -> Any:
    """`doc` with the node at `path` replaced by `value` (missing steps are created)."""
    if not path:
        return value
    head, *rest = path
    if isinstance(doc, dict):
        copy = dict(doc)
        copy[str(head)] = mutate(doc.get(str(head)), rest, value)
        return copy
    if isinstance(doc, list) and isinstance(head, int) and doc:
        copy = list(doc)
        index = head % len(doc)
        copy[index] = mutate(doc[index], rest, value)
        return copy
    return value


def paths_into(doc: Any, prefix: list[str | int]) -> list[list[str | int]]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += paths_into(value, [*prefix, key])
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            out += paths_into(value, [*prefix, index])
    return out


ALL_PATHS = paths_into(VALID, [])


@FUZZ
@given(st.binary(max_size=300))
def test_manifest_reader_on_arbitrary_bytes(data: bytes) -> None:
    try:
        loads(data, "/h/.dot-manifest.json")
    except DotError as error:
        one_line(error)


@FUZZ
@given(st.sampled_from(ALL_PATHS), json_values)
@example(["packages", "vim", "links"], {"\n": None})  # a newline in a path of the message
def test_manifest_reader_on_structural_mutations(path: list[str | int], value: Any) -> None:
    data = json.dumps(mutate(VALID, path, value)).encode()
    try:
        manifest = loads(data, "m")
    except DotError as error:
        one_line(error)
        return
    # Whatever was accepted is clean: no path escapes the target.
    for record in manifest.packages.values():
        for link_path in [*record.links, *record.dirs, *record.adopted]:
            assert not link_path.startswith("/") and ".." not in link_path.split("/")


@FUZZ
@given(st.binary(max_size=200))
def test_manifest_load_through_the_filesystem(data: bytes) -> None:
    fs = MemoryFileSystem()
    fs.write("/h/.dot-manifest.json", data)
    try:
        load_manifest(fs, "/h/.dot-manifest.json", "/d", "/h")
    except DotError as error:
        one_line(error)


@FUZZ
@given(st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode())))
def test_journal_reader(data: bytes) -> None:
    fs = MemoryFileSystem()
    fs.write("/h/.dot-journal", data + b"\n")
    try:
        journal.read(fs, "/h/.dot-journal")
    except DotError as error:
        one_line(error)


pattern_text = st.text(alphabet=string.printable + "ü\\[]!*?#", max_size=40)


@FUZZ
@given(st.lists(pattern_text, max_size=8))
def test_ignore_file_reader(lines: list[str]) -> None:
    builder = RuleBuilder()
    try:
        builder.gitignore(lines, ".dotignore", numbered=True)
        builder.stow_regexes(lines, ".stow-local-ignore")
        builder.stow_suffixes(lines, ".stowrc")
        rules = builder.build()
    except DotError as error:
        one_line(error)
        return
    rules.ignored("a/b/c", False)
    rules.ignored("a", True)


@FUZZ
@given(st.binary(max_size=200), st.binary(max_size=200))
def test_package_ignore_files_through_the_scanner(dotignore: bytes, stowignore: bytes) -> None:
    fs = MemoryFileSystem()
    fs.write("/d/p/.dotignore", dotignore)
    fs.write("/d/p/.stow-local-ignore", stowignore)
    try:
        build_rules(fs, "/d/p", RuleSources())
    except DotError as error:
        one_line(error)


toml_keys = st.sampled_from(
    [
        "dir",
        "target",
        "jobs",
        "ignore",
        "no_fold",
        "on_conflict",
        "color",
        "folding",
        "bogus",
        "verbose",
    ]
)
toml_values = st.one_of(
    st.integers(-5, 5),
    st.booleans(),
    st.text(alphabet=string.ascii_letters + "$~/._-{} ", max_size=12),
    st.lists(st.text(alphabet=string.ascii_letters + "/.", max_size=6), max_size=3),
)


@FUZZ
@given(st.binary(max_size=200))
def test_config_file_on_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    try:
        config.read_config(str(path), config.World({"HOME": str(tmp_path)}, str(tmp_path)))
    except DotError as error:
        one_line(error)


@FUZZ
@given(st.dictionaries(toml_keys, toml_values, max_size=5))
def test_config_file_on_plausible_tables(tmp_path: Path, table: dict[str, Any]) -> None:
    world = config.World({"HOME": str(tmp_path)}, str(tmp_path))
    try:
        layer = config.from_toml(table, str(tmp_path / "config.toml"), world)
        config.merge([layer], world)
    except DotError as error:
        one_line(error)


env_names = st.sampled_from(
    [
        "DOT_DIR",
        "DOT_TARGET",
        "DOT_JOBS",
        "DOT_FOLDING",
        "DOT_IGNORE",
        "DOT_NO_FOLD",
        "DOT_COLOR",
        "DOT_VERBOSE",
    ]
)


@FUZZ
@given(st.dictionaries(env_names, st.text(max_size=15), max_size=4))
def test_environment_variables(tmp_path: Path, variables: dict[str, str]) -> None:
    world = config.World({"HOME": str(tmp_path), **variables}, str(tmp_path))
    try:
        config.merge([config.from_environ(world)], world)
    except DotError as error:
        one_line(error)


@FUZZ
@given(st.text(max_size=120))
def test_stowrc_reader(tmp_path: Path, text: str) -> None:
    world = config.World({"HOME": str(tmp_path)}, str(tmp_path))
    try:
        layer, _warnings = config.parse_stowrc(text, str(tmp_path / ".stowrc"), world)
        config.merge([layer], world)
    except DotError as error:
        one_line(error)
