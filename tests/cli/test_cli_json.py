"""--format json: stdout is exactly one JSON document, for results and for errors."""

from __future__ import annotations

import json
import platform

import pytest

from dot import __version__

KEYS = [
    "command",
    "packages",
    "dry_run",
    "changed",
    "operations",
    "summary",
    "skipped",
    "up_to_date",
    "notes",
    "manifest_written",
    "elapsed_ms",
    "caches",
]
ZERO = dict.fromkeys(
    ["link", "unlink", "mkdir", "rmdir", "move", "backup", "delete", "adopt", "restore", "copy"], 0
)


def one_document(stdout: str):
    """The single JSON document that is the whole of stdout."""
    doc, end = json.JSONDecoder().raw_decode(stdout)
    assert stdout[end:] == "\n"
    return doc


def without_elapsed(doc):
    """The document without what varies between runs: time and cache counters."""
    assert isinstance(doc["elapsed_ms"], int | float)
    assert doc["elapsed_ms"] >= 0
    caches = doc["caches"]
    assert set(caches) <= {"target view", "content hash", "ignore patterns", "directory stamps"}
    for counts in caches.values():
        assert set(counts) == {"hits", "misses"}
        assert all(isinstance(v, int) and v >= 0 for v in counts.values())
    return {k: v for k, v in doc.items() if k not in ("elapsed_ms", "caches")}


@pytest.mark.parametrize("verbosity", [[], ["-vv"]], ids=["plain", "-vv"])
def test_manage_json(env, verbosity):
    env.vim()

    result = env.dot("--format", "json", "manage", "vim", *verbosity)

    assert result.exit_code == 0
    assert result.stderr == ""
    doc = one_document(result.stdout)
    assert list(doc) == KEYS
    assert without_elapsed(doc) == {
        "command": "manage",
        "packages": ["vim"],
        "dry_run": False,
        "changed": True,
        "operations": [
            {
                "op": "link",
                "path": ".vim",
                "text": "../dotfiles/vim/dot-vim",
                "package": "vim",
                "source": "dot-vim",
                "kind": "dir",
            },
            {
                "op": "link",
                "path": ".vimrc",
                "text": "../dotfiles/vim/dot-vimrc",
                "package": "vim",
                "source": "dot-vimrc",
                "kind": "file",
            },
        ],
        "summary": {**ZERO, "link": 2},
        "skipped": [],
        "up_to_date": [],
        "notes": [],
        "manifest_written": True,
    }


def test_remanage_unchanged_json(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0

    result = env.dot("remanage", "vim", "--format", "json")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert without_elapsed(one_document(result.stdout)) == {
        "command": "remanage",
        "packages": ["vim"],
        "dry_run": False,
        "changed": False,
        "operations": [],
        "summary": ZERO,
        "skipped": [],
        "up_to_date": ["vim"],
        "notes": [],
        "manifest_written": False,
    }


def test_unmanage_json(env):
    env.vim()
    assert env.dot("manage", "vim").exit_code == 0

    result = env.dot("unmanage", "vim", "--format", "json")

    assert result.exit_code == 0
    doc = one_document(result.stdout)
    assert doc["operations"] == [
        {"op": "unlink", "path": ".vim", "text": "../dotfiles/vim/dot-vim", "package": "vim"},
        {"op": "unlink", "path": ".vimrc", "text": "../dotfiles/vim/dot-vimrc", "package": "vim"},
    ]
    assert doc["summary"] == {**ZERO, "unlink": 2}
    assert doc["changed"] is True


def test_skip_json_lists_the_skipped_conflicts(env):
    env.vim()
    (env.home / ".vimrc").write_text("mine\n")

    result = env.dot("manage", "vim", "--format", "json", "--on-conflict", "skip")

    assert result.exit_code == 0
    doc = one_document(result.stdout)
    assert doc["skipped"] == [
        {
            "path": ".vimrc",
            "kind": "existing",
            "existing": "file",
            "wanted": "file",
            "package": "vim",
            "source": "dot-vimrc",
            "detail": "",
            "in_run": False,
            "holds": False,
        }
    ]
    assert [op["path"] for op in doc["operations"]] == [".vim"]
    # In JSON mode the skipped list is the report; no warning lines anywhere.
    assert result.stderr == ""


def test_conflict_json_is_an_error_document_and_nothing_else(env):
    env.vim()
    (env.home / ".vimrc").write_text("mine\n")
    (env.home / ".vim").symlink_to("/elsewhere")
    before = env.state()

    result = env.dot("manage", "vim", "--format", "json")

    assert result.exit_code == 3
    assert one_document(result.stdout) == {
        "error": {
            "message": "2 conflicts with policy 'fail'; nothing was changed (see --on-conflict)",
            "exit_code": 3,
            "conflicts": [
                {
                    "path": ".vim",
                    "kind": "foreign-link",
                    "existing": "link",
                    "wanted": "dir",
                    "package": "vim",
                    "source": "dot-vim",
                    "detail": "/elsewhere",
                    "in_run": False,
                    "holds": False,
                },
                {
                    "path": ".vimrc",
                    "kind": "existing",
                    "existing": "file",
                    "wanted": "file",
                    "package": "vim",
                    "source": "dot-vimrc",
                    "detail": "",
                    "in_run": False,
                    "holds": False,
                },
            ],
        }
    }
    assert result.stderr.startswith("dot: error: 2 conflicts with policy 'fail'")
    assert env.state() == before


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["manage", "nope"], 5, "package not found in {dir}: nope"),
        (["unmanage", "vim"], 5, "not installed in {home}: vim"),
        (["manage", "../x"], 2, "package name '../x' must not contain a path separator"),
        (["unmanage"], 2, "missing package names (or --all)"),
    ],
    ids=lambda v: repr(v),
)
def test_error_json_documents(env, args, code, message):
    env.vim()
    message = message.format(dir=env.real_dir, home=env.real_home)

    result = env.dot("--format", "json", *args)

    assert result.exit_code == code
    assert one_document(result.stdout) == {"error": {"message": message, "exit_code": code}}
    assert result.stderr == f"dot: error: {message}\n"


def test_corrupt_manifest_json_document(env):
    env.vim()
    env.manifest.write_text("{")

    result = env.dot("manage", "vim", "--format", "json")

    assert result.exit_code == 1
    doc = one_document(result.stdout)
    assert doc["error"]["exit_code"] == 1
    assert doc["error"]["message"].startswith(
        f"manifest {env.real_home}/.dot-manifest.json is not valid JSON"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "json", "manage", "vim", "--jobs", "0"],
        ["manage", "vim", "--format", "json", "--on-conflict", "bogus"],
        ["--format", "json", "manage"],
    ],
    ids=" ".join,
)
def test_usage_errors_from_option_parsing_are_json_documents_too(env, args):
    env.vim()

    result = env.dot(*args)

    assert result.exit_code == 2
    doc = one_document(result.stdout)
    assert doc["error"]["exit_code"] == 2


def test_version_json(env):
    result = env.run("version", "--format", "json")

    assert result.exit_code == 0
    assert one_document(result.stdout) == {
        "version": __version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
    }
