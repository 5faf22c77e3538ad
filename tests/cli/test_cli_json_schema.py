"""The shape of every `--format json` document, checked by a small schema checker.

Each command's document (manage, unmanage, remanage, adopt, status, list, doctor,
version) and the error document (exit codes 1, 2, 3, 5) is validated key by key:
the exact set of keys, the type of every value (a bool is not an int, an int is not
a string), and the allowed values of every enum (operation kinds, health, problem,
source, conflict kind). A renamed, missing, extra or retyped key fails. Every run
also checks that stdout is exactly one JSON document and stderr holds no JSON.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from dot import __version__

# --- the checker -------------------------------------------------------------------------


class SchemaError(AssertionError):
    pass


@dataclass(frozen=True)
class Enum:
    """A string from a closed set; `name` collects the values seen, for coverage."""

    name: str
    values: frozenset[str]


@dataclass(frozen=True)
class Match:
    """A string matching a regular expression (fully)."""

    pattern: str
    what: str


@dataclass(frozen=True)
class ListOf:
    item: Any


@dataclass(frozen=True)
class MapOf:
    """An object whose keys and values each follow one schema."""

    key: Any
    value: Any


@dataclass(frozen=True)
class Nullable:
    inner: Any


@dataclass(frozen=True)
class Obj:
    """An object with exactly `fields`, plus any of `optional`."""

    fields: dict[str, Any]
    optional: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """`inner`, plus a condition across its keys (what a type alone cannot say)."""

    inner: Any
    holds: Any  # (value) -> bool
    what: str


@dataclass(frozen=True)
class Tagged:
    """An object whose `key` (an enum) selects the schema of the whole object."""

    key: str
    enum: Enum
    variants: dict[str, Obj]


NUMBER = "number"  # int or float, never bool


class Checker:
    """Validates documents and remembers which enum values it saw."""

    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = defaultdict(set)

    def check(self, value: Any, schema: Any, where: str = "$") -> None:
        if schema is NUMBER:
            if type(value) not in (int, float):
                raise SchemaError(f"{where}: expected a number, got {value!r}")
        elif isinstance(schema, type):
            if type(value) is not schema:  # exact: True is not an int
                raise SchemaError(f"{where}: expected {schema.__name__}, got {value!r}")
        elif isinstance(schema, Enum):
            if type(value) is not str or value not in schema.values:
                raise SchemaError(f"{where}: {value!r} is not one of {sorted(schema.values)}")
            self.seen[schema.name].add(value)
        elif isinstance(schema, Match):
            if type(value) is not str or not re.fullmatch(schema.pattern, value):
                raise SchemaError(f"{where}: {value!r} is not {schema.what}")
        elif isinstance(schema, Nullable):
            if value is not None:
                self.check(value, schema.inner, where)
        elif isinstance(schema, ListOf):
            if type(value) is not list:
                raise SchemaError(f"{where}: expected a list, got {value!r}")
            for index, item in enumerate(value):
                self.check(item, schema.item, f"{where}[{index}]")
        elif isinstance(schema, MapOf):
            if type(value) is not dict:
                raise SchemaError(f"{where}: expected an object, got {value!r}")
            for key, item in value.items():
                self.check(key, schema.key, f"{where} key {key!r}")
                self.check(item, schema.value, f"{where}.{key}")
        elif isinstance(schema, Rule):
            self.check(value, schema.inner, where)
            if not schema.holds(value):
                raise SchemaError(f"{where}: {schema.what}: {value!r}")
        elif isinstance(schema, Tagged):
            if type(value) is not dict:
                raise SchemaError(f"{where}: expected an object, got {value!r}")
            self.check(value.get(schema.key), schema.enum, f"{where}.{schema.key}")
            self.check(value, schema.variants[value[schema.key]], where)
        elif isinstance(schema, Obj):
            if type(value) is not dict:
                raise SchemaError(f"{where}: expected an object, got {value!r}")
            missing = set(schema.fields) - set(value)
            extra = set(value) - set(schema.fields) - set(schema.optional)
            if missing or extra:
                raise SchemaError(
                    f"{where}: missing keys {sorted(missing)}, unexpected keys {sorted(extra)}"
                )
            for key, item in value.items():
                sub = schema.fields.get(key, schema.optional.get(key))
                self.check(item, sub, f"{where}.{key}")
        else:  # pragma: no cover - a mistake in a schema below
            raise TypeError(f"unknown schema {schema!r}")


# --- the schemas ------------------------------------------------------------------------

VERBS = ("link", "unlink", "mkdir", "rmdir", "move", "backup", "delete", "adopt", "restore", "copy")
OP = Enum("op", frozenset(VERBS))
KIND = Enum("kind", frozenset({"missing", "file", "dir", "link", "other"}))
LINK_KIND = Enum("link kind", frozenset({"file", "dir", "link", "other"}))
HEALTH = Enum("health", frozenset({"ok", "missing", "wrong-target", "replaced", "broken"}))
PROBLEM = Enum(
    "problem",
    frozenset(
        {
            "manifest-corrupt",
            "package-gone",
            "missing-link",
            "wrong-link",
            "replaced",
            "broken-link",
            "dangling-link",
            "unrecorded-link",
            "stray-link",
            "unfinished-transaction",
        }
    ),
)
SOURCE = Enum("source", frozenset({"managed", "adopted"}))
CONFLICT_KIND = Enum(
    "conflict kind",
    frozenset({"existing", "foreign-link", "other-package", "type-clash", "protected"}),
)
COMMAND = Enum("command", frozenset({"manage", "unmanage", "remanage", "adopt"}))
CACHE = Enum(
    "cache",
    frozenset({"target view", "content hash", "ignore patterns", "directory stamps"}),
)
SORT = Enum("sort", frozenset({"name", "links", "date"}))
EXIT_CODE = Enum("exit code", frozenset({"1", "2", "3", "4", "5", "130"}))

REL = Match(r"[^/]+(/[^/]+)*", "a relative path")
ABS = Match(r"/([^/]+(/[^/]+)*)?", "an absolute path")
PATH = Match(r"/?[^/]+(/[^/]+)*", "a path")
NAME = Match(r"[^/]+", "a package name")
ISO = Match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "an ISO-8601 UTC time")

OPERATION = Tagged(
    "op",
    OP,
    {
        "link": Obj(
            {"op": OP, "path": REL, "text": str, "package": NAME, "source": str, "kind": LINK_KIND}
        ),
        "unlink": Obj({"op": OP, "path": REL, "text": str, "package": Nullable(NAME)}),
        # A directory made in the package (adopt) has an absolute path and no package.
        "mkdir": Rule(
            Obj({"op": OP, "path": PATH, "package": Nullable(NAME)}),
            lambda op: op["path"].startswith("/") == (op["package"] is None),
            "an absolute path exactly when package is null",
        ),
        "rmdir": Obj({"op": OP, "path": REL}),
        "move": Obj({"op": OP, "path": REL, "package": NAME, "source": REL, "dest": ABS}),
        "backup": Obj({"op": OP, "path": REL, "dest": ABS, "package": NAME, "existing": KIND}),
        "delete": Obj({"op": OP, "path": REL, "existing": KIND}),
        "adopt": Obj({"op": OP, "path": REL, "package": NAME, "source": REL, "stash": ABS}),
        "restore": Obj({"op": OP, "path": REL, "backup": ABS, "package": NAME}),
        "copy": Obj({"op": OP, "path": REL, "package": NAME, "source": REL}),
    },
)
CONFLICT = Obj(
    {
        "path": REL,
        "kind": CONFLICT_KIND,
        "existing": KIND,
        "wanted": Enum("wanted", frozenset({"file", "dir", "link"})),
        "package": NAME,
        "source": str,
        "detail": str,
        "in_run": bool,
        "holds": bool,
    }
)
RUN = Obj(
    {
        "command": COMMAND,
        "packages": ListOf(NAME),
        "dry_run": bool,
        "changed": bool,
        "operations": ListOf(OPERATION),
        "summary": Obj(dict.fromkeys(VERBS, int)),
        "skipped": ListOf(CONFLICT),
        "up_to_date": ListOf(NAME),
        "notes": ListOf(str),
        "manifest_written": bool,
        "elapsed_ms": NUMBER,
        "caches": MapOf(CACHE, Obj({"hits": int, "misses": int})),
    }
)
STATUS = Obj(
    {
        "dir": ABS,
        "target": ABS,
        "healthy": bool,
        "waiting": ListOf(Obj({"path": REL, "package": NAME, "stored": ABS})),
        "packages": ListOf(
            Obj(
                {
                    "name": NAME,
                    "source": SOURCE,
                    "installed_at": ISO,
                    "updated_at": ISO,
                    "present": bool,
                    "healthy": bool,
                    "counts": Obj(dict.fromkeys(sorted(HEALTH.values), int)),
                    "links": ListOf(
                        Obj(
                            {
                                "path": REL,
                                "text": str,
                                "source": str,
                                "kind": LINK_KIND,
                                "health": HEALTH,
                                "actual": str,
                            }
                        )
                    ),
                }
            )
        ),
    }
)
LIST = Obj(
    {
        "dir": ABS,
        "target": ABS,
        "sort": SORT,
        "packages": ListOf(
            Obj(
                {
                    "name": NAME,
                    "source": SOURCE,
                    "links": int,
                    "installed_at": ISO,
                    "updated_at": ISO,
                }
            )
        ),
    }
)
DOCTOR = Obj(
    {
        "dir": ABS,
        "target": ABS,
        "healthy": bool,
        "fix": bool,
        "depth": int,
        "links_scanned": int,
        "findings": ListOf(
            Obj(
                {
                    "problem": PROBLEM,
                    "path": str,
                    "package": str,
                    "detail": str,
                    "fixable": bool,
                    "fixed": bool,
                }
            )
        ),
        "operations": ListOf(OPERATION),
    }
)
VERSION = Obj({"version": str, "python": str, "platform": str})
ERROR = Obj(
    {"error": Obj({"message": str, "exit_code": int}, optional={"conflicts": ListOf(CONFLICT)})}
)


# --- running dot ---------------------------------------------------------------------------


def one_document(stdout: str) -> Any:
    """The single JSON document that is the whole of stdout."""
    assert stdout.strip(), "stdout is empty"
    doc, end = json.JSONDecoder().raw_decode(stdout)
    assert stdout[end:] == "\n", f"more than one document on stdout: {stdout[end:]!r}"
    return doc


def no_json(stderr: str) -> None:
    """stderr carries human lines only: no JSON value, not even a fragment of one."""
    for line in stderr.splitlines():
        stripped = line.strip()
        assert not stripped.startswith(("{", "[", '"', "}", "]")), stderr
        try:
            json.loads(stripped)
        except ValueError:
            continue
        raise AssertionError(f"a JSON value on stderr: {line!r}")


class Docs:
    """Runs dot with --format json and validates what comes back."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.checker = Checker()

    def run(self, schema: Any, *args: str, code: int = 0) -> Any:
        result = self.env.dot(*args, "--format", "json")
        assert result.exit_code == code, (result.stdout, result.stderr)
        doc = one_document(result.stdout)
        no_json(result.stderr)
        self.checker.check(doc, schema)
        if schema is ERROR:
            self.checker.check(str(doc["error"]["exit_code"]), EXIT_CODE)
            assert doc["error"]["exit_code"] == code
            assert ("conflicts" in doc["error"]) == (code == 3)
            assert result.stderr.startswith(f"dot: error: {doc['error']['message']}\n")
        else:
            consistent(schema, doc, args)
        return doc


def consistent(schema: Any, doc: dict[str, Any], args: tuple[str, ...]) -> None:
    """What the documents promise across keys (docs/json.md)."""
    if schema is RUN:
        ops = [op["op"] for op in doc["operations"]]
        assert doc["summary"] == {verb: ops.count(verb) for verb in VERBS}
        assert doc["changed"] == (bool(ops) and not doc["dry_run"])
        assert doc["dry_run"] == ("-n" in args or "--dry-run" in args)
        if doc["dry_run"]:
            assert doc["manifest_written"] is False
    elif schema is STATUS:
        for package in doc["packages"]:
            healths = [link["health"] for link in package["links"]]
            assert package["counts"] == {h: healths.count(h) for h in HEALTH.values}
            assert package["healthy"] == (package["present"] and set(healths) <= {"ok"})
            assert [link["path"] for link in package["links"]] == sorted(
                link["path"] for link in package["links"]
            )
            for link in package["links"]:
                assert (link["actual"] != "") == (link["health"] in ("wrong-target", "replaced"))
        assert doc["healthy"] == all(p["healthy"] for p in doc["packages"])
    elif schema is LIST:
        key = {
            "name": lambda p: p["name"],
            "links": lambda p: (-p["links"], p["name"]),
            "date": lambda p: (p["installed_at"], p["name"]),
        }[doc["sort"]]
        assert doc["packages"] == sorted(doc["packages"], key=key)
    elif schema is DOCTOR:
        findings = doc["findings"]
        dry = "-n" in args or "--dry-run" in args
        if not doc["fix"] or dry:
            assert not any(f["fixed"] for f in findings)
        if not doc["fix"]:
            assert doc["operations"] == []
        if not dry:
            assert doc["healthy"] == all(f["fixed"] for f in findings)
        for f in findings:
            assert not (f["fixed"] and not f["fixable"]), f


@pytest.fixture
def docs(env) -> Docs:
    return Docs(env)


# --- run documents --------------------------------------------------------------------------


def test_run_documents_cover_every_operation_kind(env, docs):
    env.vim()
    env.package("zsh", {"dot-zshrc": "z\n", "dot-zshenv": "e\n"})
    env.package("git", {"dot-gitconfig": "g\n"})
    env.package("ssh", {"dot-ssh/config": "Host *\n"})
    (env.home / ".zshrc").write_text("mine\n")
    (env.home / ".zshenv").write_text("mine too\n")
    (env.home / ".gitconfig").write_text("user's\n")
    (env.home / ".tmux.conf").write_text("t\n")

    dry = docs.run(RUN, "manage", "vim", "-n")
    assert (dry["dry_run"], dry["changed"], dry["manifest_written"]) == (True, False, False)
    docs.run(RUN, "manage", "vim", "ssh")  # link, mkdir
    docs.run(RUN, "manage", "zsh", "--on-conflict", "backup")  # backup
    docs.run(RUN, "manage", "git", "--on-conflict", "adopt")  # adopt
    docs.run(RUN, "adopt", str(env.home / ".tmux.conf"))  # move
    up = docs.run(RUN, "remanage", "vim", "ssh")
    assert up["up_to_date"] == ["vim", "ssh"]
    docs.run(RUN, "unmanage", "zsh", "git", "ssh", "tmux.conf")  # restore, copy, rmdir
    env.package("zsh", {"dot-zshrc": "z\n"})
    (env.home / ".zshrc").write_text("again\n")
    docs.run(RUN, "manage", "zsh", "--on-conflict", "overwrite")  # delete
    (env.dir / "vim" / "dot-gvimrc").write_text("g\n")
    changed = docs.run(RUN, "remanage", "vim")
    assert changed["command"] == "remanage"
    (env.home / ".gitconfig").write_text("mine\n")
    skipped = docs.run(RUN, "manage", "git", "--on-conflict", "skip")
    assert [c["path"] for c in skipped["skipped"]] == [".gitconfig"]
    empty = docs.run(RUN, "unmanage", "--all", "-n")
    assert empty["command"] == "unmanage"

    assert docs.checker.seen["op"] == set(VERBS)
    assert docs.checker.seen["command"] == {"manage", "unmanage", "remanage", "adopt"}


def test_adopt_document(env, docs):
    (env.home / ".vimrc").write_text("v\n")

    doc = docs.run(RUN, "adopt", str(env.home / ".vimrc"))

    assert [op["op"] for op in doc["operations"]] == ["mkdir", "move", "link"]
    assert (doc["command"], doc["packages"], doc["changed"]) == ("adopt", ["vimrc"], True)


# --- status, list, doctor, version --------------------------------------------------------


def test_status_and_list_documents_cover_every_health_and_source(env, docs):
    env.vim()
    env.package("zsh", {"dot-zshrc": "z\n", "dot-zshenv": "e\n"})
    env.package("git", {"dot-gitconfig": "g\n", "dot-gitignore": "i\n"})
    assert env.dot("manage", "vim", "zsh", "git").exit_code == 0
    (env.home / ".tmux.conf").write_text("t\n")
    assert env.dot("adopt", str(env.home / ".tmux.conf")).exit_code == 0
    docs.run(STATUS, "status")
    (env.home / ".vimrc").unlink()
    (env.home / ".vim").unlink()
    (env.home / ".vim").symlink_to("/elsewhere")
    (env.home / ".zshrc").unlink()
    (env.home / ".zshrc").write_text("mine\n")
    (env.dir / "git" / "dot-gitconfig").unlink()

    status = docs.run(STATUS, "status")
    docs.run(STATUS, "status", "vim", "tmux.conf")
    for sort in ("name", "links", "date"):
        docs.run(LIST, "list", "--sort", sort)

    assert status["healthy"] is False
    assert docs.checker.seen["health"] == set(HEALTH.values)
    assert docs.checker.seen["source"] == {"managed", "adopted"}
    assert docs.checker.seen["sort"] == {"name", "links", "date"}


def test_empty_status_and_list_documents(env, docs):
    assert docs.run(STATUS, "status")["packages"] == []
    assert docs.run(LIST, "list")["packages"] == []


def test_doctor_documents_cover_every_problem(env, docs):
    env.package("vim", {"dot-vimrc": "v\n", "dot-exrc": "x\n", "dot-gvimrc": "g\n"})
    env.package("zsh", {"dot-zshrc": "z\n"})
    env.package("git", {"dot-gitconfig": "g\n"})
    env.package("tmux", {"dot-tmux.conf": "t\n"})
    assert env.dot("manage", "vim", "git", "tmux").exit_code == 0
    healthy = docs.run(DOCTOR, "doctor")
    assert (healthy["healthy"], healthy["findings"]) == (True, [])

    (env.home / ".vimrc").unlink()  # missing-link
    (env.home / ".exrc").unlink()
    (env.home / ".exrc").symlink_to("../dotfiles/vim/dot-vimrc")  # wrong-link
    (env.home / ".gvimrc").unlink()
    (env.home / ".gvimrc").write_text("mine\n")  # replaced
    (env.dir / "git" / "dot-gitconfig").unlink()
    (env.dir / "git" / "keep").write_text("k\n")  # broken-link
    (env.home / ".old").symlink_to("../dotfiles/vim/gone")  # dangling-link
    (env.home / ".zshrc").symlink_to("../dotfiles/zsh/dot-zshrc")  # unrecorded-link
    (env.home / ".zrc").symlink_to("../dotfiles/zsh/dot-zshrc")  # stray-link
    shutil.rmtree(env.dir / "tmux")  # package-gone
    sick = docs.run(DOCTOR, "doctor", code=1)
    dry = docs.run(DOCTOR, "doctor", "--fix", "-n")
    fixed = docs.run(DOCTOR, "doctor", "--fix", code=1)  # replaced and stray-link are left
    env.manifest.write_text("{")
    corrupt = docs.run(DOCTOR, "doctor", code=1)
    rebuilt = docs.run(DOCTOR, "doctor", "--fix", "--depth", "3", code=1)

    assert sick["healthy"] is False and dry["fix"] is True and dry["operations"]
    assert {f["problem"] for f in fixed["findings"] if not f["fixed"]} == {
        "replaced",
        "stray-link",
    }
    assert fixed["operations"]
    assert corrupt["findings"][0]["problem"] == "manifest-corrupt"
    assert rebuilt["depth"] == 3
    assert docs.checker.seen["problem"] == set(PROBLEM.values) - {"unfinished-transaction"}


def test_version_document(env, docs):
    doc = docs.run(VERSION, "version")

    assert doc["version"] == __version__


# --- error documents ----------------------------------------------------------------------


def test_error_documents_for_every_exit_code(env, docs):
    env.vim()
    env.package("other", {"dot-vimrc": "o\n"})

    five = docs.run(ERROR, "manage", "nope", code=5)
    docs.run(ERROR, "unmanage", "vim", code=5)
    docs.run(ERROR, "status", "vim", code=5)
    two = docs.run(ERROR, "manage", "../x", code=2)
    docs.run(ERROR, "manage", "vim", "--on-conflict", "bogus", code=2)
    docs.run(ERROR, "doctor", "--depth", "0", code=2)
    docs.run(ERROR, "adopt", code=2)
    (env.home / ".vimrc").write_text("mine\n")
    (env.home / ".vim").symlink_to("/elsewhere")
    three = docs.run(ERROR, "manage", "vim", code=3)
    (env.home / ".vimrc").unlink()
    (env.home / ".vim").unlink()
    assert env.dot("manage", "vim").exit_code == 0
    docs.run(ERROR, "manage", "other", code=3)
    env.package("st", {"dot-dot-manifest.json": "x\n"})
    docs.run(ERROR, "manage", "st", code=3)
    env.manifest.write_text("[]")
    one = docs.run(ERROR, "status", code=1)
    docs.run(ERROR, "list", code=1)
    docs.run(ERROR, "adopt", str(env.root / "outside"), code=1)

    assert "conflicts" not in five["error"] and "conflicts" not in two["error"]
    assert [c["kind"] for c in three["error"]["conflicts"]] == ["foreign-link", "existing"]
    assert one["error"]["message"].startswith(f"manifest {env.real_home}/.dot-manifest.json ")
    assert docs.checker.seen["exit code"] == {"1", "2", "3", "5"}
    assert docs.checker.seen["conflict kind"] == {
        "existing",
        "foreign-link",
        "other-package",
        "protected",
    }


def test_type_clash_conflict_document(env, docs):
    env.vim()
    (env.home / ".vim").write_text("a file where the package has a directory\n")

    doc = docs.run(ERROR, "manage", "vim", code=3)

    assert [(c["kind"], c["existing"], c["wanted"]) for c in doc["error"]["conflicts"]] == [
        ("type-clash", "file", "dir")
    ]


# --- the checker is strict -------------------------------------------------------------------


def _status_doc() -> dict[str, Any]:
    return {
        "dir": "/d",
        "target": "/h",
        "healthy": True,
        "waiting": [],
        "packages": [
            {
                "name": "vim",
                "source": "managed",
                "installed_at": "2026-01-02T03:04:05Z",
                "updated_at": "2026-01-02T03:04:05Z",
                "present": True,
                "healthy": True,
                "counts": {"ok": 1, "missing": 0, "wrong-target": 0, "replaced": 0, "broken": 0},
                "links": [
                    {
                        "path": ".vimrc",
                        "text": "../d/vim/dot-vimrc",
                        "source": "dot-vimrc",
                        "kind": "file",
                        "health": "ok",
                        "actual": "",
                    }
                ],
            }
        ],
    }


def _rename(doc: dict[str, Any]) -> None:
    doc["packages"][0]["links"][0]["target"] = doc["packages"][0]["links"][0].pop("text")


def _retype_bool(doc: dict[str, Any]) -> None:
    doc["healthy"] = 1


def _retype_int(doc: dict[str, Any]) -> None:
    doc["packages"][0]["counts"]["ok"] = True


def _retype_str(doc: dict[str, Any]) -> None:
    doc["packages"][0]["counts"]["ok"] = "1"


def _bad_enum(doc: dict[str, Any]) -> None:
    doc["packages"][0]["links"][0]["health"] = "fine"


def _bad_source(doc: dict[str, Any]) -> None:
    doc["packages"][0]["source"] = "installed"


def _extra_key(doc: dict[str, Any]) -> None:
    doc["packages"][0]["extra"] = None


def _missing_key(doc: dict[str, Any]) -> None:
    del doc["target"]


def _relative_dir(doc: dict[str, Any]) -> None:
    doc["dir"] = "d"


def _bad_time(doc: dict[str, Any]) -> None:
    doc["packages"][0]["installed_at"] = "2026-01-02 03:04:05"


def _null(doc: dict[str, Any]) -> None:
    doc["packages"][0]["links"][0]["actual"] = None


@pytest.mark.parametrize(
    "spoil",
    [
        _rename,
        _retype_bool,
        _retype_int,
        _retype_str,
        _bad_enum,
        _bad_source,
        _extra_key,
        _missing_key,
        _relative_dir,
        _bad_time,
        _null,
    ],
)
def test_the_checker_rejects_a_changed_document(spoil):
    checker = Checker()
    doc = _status_doc()
    checker.check(doc, STATUS)

    spoil(doc)

    with pytest.raises(SchemaError):
        checker.check(doc, STATUS)


@pytest.mark.parametrize(
    "op",
    [
        {"op": "link", "path": ".x", "text": "t", "package": "p", "source": "s"},
        {"op": "link", "path": ".x", "text": "t", "package": "p", "source": "s", "kind": "sym"},
        {"op": "unlink", "path": ".x", "text": "t", "package": 3},
        {"op": "rmdir", "path": ".x", "package": "p"},
        {"op": "link2", "path": ".x"},
        {"op": "move", "path": ".x", "package": "p", "source": "s", "dest": "relative"},
        {"op": "mkdir", "path": ".config", "package": None},
        {"op": "mkdir", "path": "/dotfiles/p", "package": "p"},
    ],
)
def test_the_checker_rejects_a_changed_operation(op):
    with pytest.raises(SchemaError):
        Checker().check(op, OPERATION)


def test_no_json_rejects_json_on_stderr():
    with pytest.raises(AssertionError):
        no_json('dot: error: x\n{"error": {}}\n')
    no_json("dot: error: x\n  .vimrc  existing      existing file in the way (wanted by vim)\n")
